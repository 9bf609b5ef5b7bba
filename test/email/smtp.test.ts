// The whole Worker sending through a real SMTP server over workerd's sockets: STARTTLS on the run's test
// certificate, AUTH, then what arrived parsed with postal-mime — sender, recipient, subject, both parts, the
// code or token inside, the headers — and the task status naming the transport.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, logIn, PASSWORD, postJSON, uniqueEmail } from '../support/api';
import { header, parseMIME, waitForSMTP, waitForSMTPWithSubject, waitForTaskState } from '../support/mailbox';

const SENDER = 'no-reply@mail.edge-2fa.test';

describe('EMAIL_TRANSPORT=smtp (STARTTLS + AUTH) through the whole Worker', () => {
  it('GET /tasks/test-celery: the test email arrives over TLS, authenticated, with both parts and traceable headers', async () => {
    const response = await call('/api/v1/tasks/test-celery');
    const { task_id } = (await response.json()) as { task_id: string };
    const status = await waitForTaskState(task_id, 'SUCCESS');
    expect(status.result).toMatchObject({ kind: 'test', transport: 'smtp', attempts: 1 });

    const [received, ...others] = await waitForSMTP(SENDER);
    const mine = [received, ...others].filter((m) => m?.raw.includes(task_id));
    expect(mine).toHaveLength(1);
    const message = mine[0];
    if (!message) throw new Error('no message');
    expect(message).toMatchObject({ server: 'starttls', from: SENDER, secure: true, user: 'edge2fa-test' });
    const email = await parseMIME(message.raw);
    expect(email.from).toMatchObject({ name: 'Edge Test', address: SENDER });
    expect(email.to?.[0]?.address).toBe(SENDER);
    expect(email.subject).toBe('Edge Test test email');
    expect(email.text).toContain('This is a test email from Edge Test.');
    expect(email.html).toContain('This is a test email from Edge Test.');
    expect(email.messageId).toBe(`<${task_id}@mail.edge-2fa.test>`);
    expect(header(email, 'x-task-id')).toBe(task_id);
    expect(Date.parse(header(email, 'date') ?? '')).toBeGreaterThan(Date.now() - 60_000);
    // No remote content: nothing in the HTML fetches anything when opened.
    expect(email.html).not.toMatch(/<img|src=|url\(|<link/i);
  });

  it('signup with an email device: the backup tokens arrive, and the emailed login code logs in', async () => {
    const address = uniqueEmail('smtp-signup');
    const signup = await postJSON('/api/v1/auth/signup', {
      email: address,
      password: PASSWORD,
      full_name: 'Ada <b>Lovelace</b>',
      tfa_enabled: true,
      device: { device_type: 'email' },
    });
    expect(signup.status).toBe(201);
    // The signup also sends a verification email: each email is found by its subject, not its position.
    const tokensEmail = await waitForSMTPWithSubject(address, 'backup tokens');
    expect(tokensEmail.subject).toBe('Your Edge Test backup tokens');
    const tokens = (tokensEmail.text ?? '')
      .split('\n')
      .filter((l) => /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(l));
    expect(tokens).toHaveLength(5);
    for (const token of tokens) expect(tokensEmail.html).toContain(token);
    // The name is text in both parts, never markup.
    expect(tokensEmail.text).toContain('Hello Ada <b>Lovelace</b>,');
    expect(tokensEmail.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');

    const login = await logIn(address, PASSWORD);
    expect(login.status).toBe(202);
    const { access_token: preTFA } = (await login.json()) as { access_token: string };
    const codeEmail = await waitForSMTPWithSubject(address, 'login code');
    expect(codeEmail.subject).toBe('Your Edge Test login code');
    const code = (codeEmail.text ?? '').split('\n').find((l) => /^\d{6}$/.test(l)) ?? '';
    expect(codeEmail.html).toContain(`>${code}<`);
    const verified = await call(`/api/v1/tfa/login_tfa?tfa_token=${code}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${preTFA}` },
    });
    expect(verified.status).toBe(200);
  });

  it('password reset: the emailed token resets the password, and the notice follows', async () => {
    const address = uniqueEmail('smtp-reset');
    expect(
      (await postJSON('/api/v1/auth/signup', { email: address, password: PASSWORD, full_name: 'Ada' }))
        .status,
    ).toBe(201);
    expect((await postJSON('/api/v1/auth/password/forgot', { email: address })).status).toBe(202);
    const resetEmail = await waitForSMTPWithSubject(address, 'Reset your');
    const token = (resetEmail.text ?? '').split('\n').find((l) => /^[A-Za-z0-9_-]{22,128}$/.test(l)) ?? '';
    expect(resetEmail.html).toContain(token);
    const reset = await postJSON('/api/v1/auth/password/reset', {
      token,
      new_password: 'a brand new passphrase',
    });
    expect(reset.status).toBe(200);
    expect((await waitForSMTPWithSubject(address, 'password was reset')).subject).toBe(
      'Your Edge Test password was reset',
    );
  });

  it('writes in the language chosen at signup: `locale`, else Accept-Language; English otherwise', async () => {
    const byField = uniqueEmail('smtp-de');
    const byHeader = uniqueEmail('smtp-de-at');
    const unsupported = uniqueEmail('smtp-ja');
    const body = (email: string, extra: object = {}) => ({
      email,
      password: PASSWORD,
      full_name: 'Ada',
      tfa_enabled: true,
      device: { device_type: 'email' },
      ...extra,
    });
    expect((await postJSON('/api/v1/auth/signup', body(byField, { locale: 'de' }))).status).toBe(201);
    expect(
      (
        await postJSON('/api/v1/auth/signup', body(byHeader), {
          'accept-language': 'ja;q=0.5, de-AT, en;q=0.8',
        })
      ).status,
    ).toBe(201);
    expect(
      (await postJSON('/api/v1/auth/signup', body(unsupported), { 'accept-language': 'ja' })).status,
    ).toBe(201);
    for (const address of [byField, byHeader]) {
      const email = await waitForSMTPWithSubject(address, 'Backup-Codes');
      expect(email.subject).toBe('Ihre Edge Test Backup-Codes');
      expect(email.html).toContain('<html lang="de">');
      expect(email.text).toContain('Hallo Ada,');
    }
    expect((await waitForSMTPWithSubject(unsupported, 'backup tokens')).subject).toBe(
      'Your Edge Test backup tokens',
    );
  });

  it('refuses a malformed locale at signup with a 422 naming the field', async () => {
    const response = await postJSON('/api/v1/auth/signup', {
      email: uniqueEmail('bad-locale'),
      password: PASSWORD,
      full_name: 'Ada',
      locale: 'de\nX-Injected: 1',
    });
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain('locale');
  });

  it('the Worker under test really is configured for SMTP with a password', () => {
    expect(env.EMAIL_TRANSPORT).toBe('smtp');
    expect(env.SMTP_PASSWORD.length).toBeGreaterThan(10);
  });
});
