// Attack: one client hammering login (password spraying across accounts, or one account) and the
// email-sending endpoints. Pinned: per-IP and per-IP+account limits answer 429 with Retry-After and the
// RateLimit / RateLimit-Policy headers, and other clients are unaffected.
import { describe, expect, it } from 'vitest';
import { call, expectProblem, logIn, randomIP, uniqueEmail } from '../support/api';

describe('per-IP rate limits', () => {
  it('login: 10 attempts per minute per IP and account, then 429 with RateLimit headers', async () => {
    const ip = randomIP();
    const email = uniqueEmail('sprayed');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await logIn(email, 'guess-password', { 'cf-connecting-ip': ip })).status);
    // An unknown email locks like an account after 5 failures (no enumeration by lockout): 400 × 5, then
    // the account lock's 429; the per-IP limiter still counts every attempt.
    expect(statuses).toEqual([...Array(5).fill(400), ...Array(5).fill(429)]);
    const limited = await logIn(email, 'guess-password', { 'cf-connecting-ip': ip });
    await expectProblem(limited, 429, 'too_many_requests');
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('ratelimit-policy')).toContain('"login-account-ip";q=10;w=60');
    expect(limited.headers.get('ratelimit')).toBe('"login-account-ip";r=0;t=60');
    // Another client is not limited by this one's per-IP count: it gets the account's own answer (its lock).
    await expectProblem(
      await logIn(email, 'guess-password', { 'cf-connecting-ip': randomIP() }),
      429,
      'account_locked',
    );
  });

  it('login: 30 attempts per minute per IP across accounts', async () => {
    const ip = randomIP();
    for (let i = 0; i < 30; i++)
      await logIn(uniqueEmail('spray'), 'guess-password', { 'cf-connecting-ip': ip });
    await expectProblem(await logIn(uniqueEmail('spray'), 'guess-password', { 'cf-connecting-ip': ip }), 429);
  });

  it('test email: 5 per minute per IP', async () => {
    const ip = randomIP();
    for (let i = 0; i < 5; i++)
      expect((await call('/api/v1/tasks/test-celery', { headers: { 'cf-connecting-ip': ip } })).status).toBe(
        200,
      );
    await expectProblem(
      await call('/api/v1/tasks/test-celery', { headers: { 'cf-connecting-ip': ip } }),
      429,
    );
  });

  it('signup: 10 per minute per IP', async () => {
    const ip = randomIP();
    const signupFrom = () =>
      call('/api/v1/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
        body: JSON.stringify({ email: uniqueEmail('rl'), password: 'x', full_name: 'X' }),
      });
    // Invalid bodies still count: the limit applies before validation.
    for (let i = 0; i < 10; i++) expect((await signupFrom()).status).toBe(422);
    await expectProblem(await signupFrom(), 429);
  });
});
