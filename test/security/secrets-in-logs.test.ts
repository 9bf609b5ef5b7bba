// Attack: reading secrets out of the logs (a log pipeline is read by many more people than the database).
// Pinned: after a full run of every flow, no captured log line contains a password, a token of any kind,
// a TOTP secret or code, a backup token, a Worker secret, or a hash stored at rest.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bearer, call, logIn, PASSWORD, postJSON, signUpAndLogIn, type Tokens } from '../support/api';
import { sqlQuery } from '../support/db';
import { capturedLogLines } from '../support/emails';
import { codeAt, loginTFA, recoverTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

describe('secrets in logs', () => {
  it('a full run of every flow logs none of the secrets it used', async () => {
    const secrets: string[] = [PASSWORD, 'wrong password 123'];
    const plain = await signUpAndLogIn();
    secrets.push(plain.tokens.access_token, plain.tokens.refresh_token ?? '');
    await logIn(plain.email, 'wrong password 123');
    await call('/api/v1/auth/test-token', { headers: bearer(plain.tokens.access_token) });
    const rotated = (await (
      await postJSON('/api/v1/auth/refresh', { refresh_token: plain.tokens.refresh_token })
    ).json()) as Tokens;
    secrets.push(rotated.access_token, rotated.refresh_token ?? '');
    await postJSON('/api/v1/auth/refresh', { refresh_token: plain.tokens.refresh_token }); // reuse → revoked

    const tfa = await signUpWithAuthenticator();
    secrets.push(tfa.secret, tfa.otpauthURI, ...tfa.backupTokens);
    const preTFA = await startTFALogin(tfa.email);
    secrets.push(preTFA);
    await loginTFA(preTFA, '000000');
    const code = codeAt(tfa.secret, Date.now());
    const done = (await (await loginTFA(preTFA, code)).json()) as Tokens;
    secrets.push(done.access_token, done.refresh_token ?? '');
    const preTFA2 = await startTFALogin(tfa.email);
    await recoverTFA(preTFA2, tfa.backupTokens[0] ?? '');
    await call('/api/v1/tfa/get_my_qrcode', { headers: bearer(done.access_token) });
    await call('/api/v1/tasks/test-celery');

    const stored = await sqlQuery<{ password_hash: string; secret_envelope: string | null }>(
      `select u.password_hash, d.secret_envelope from users u left join tfa_devices d on d.user_id = u.id where u.email = any($1)`,
      [[plain.email, tfa.email]],
    );
    const tokenHashes = await sqlQuery<{ token_hash: string }>(
      'select token_hash from backup_tokens b join users u on u.id = b.user_id where u.email = $1',
      [tfa.email],
    );
    secrets.push(
      ...stored.flatMap((r) => [r.password_hash, r.secret_envelope ?? '']),
      ...tokenHashes.map((r) => r.token_hash),
    );
    const signingKey = (JSON.parse(env.JWT_SIGNING_KEYS) as { keys: { d: string }[] }).keys[0]?.d ?? '';
    secrets.push(signingKey, env.ENCRYPTION_KEYS.split(':')[1] ?? '', env.TOKEN_HASH_KEY);

    const log = capturedLogLines.join('\n');
    // A request's auth events ride in its one access-log line (src/http/log.ts): count records and events.
    const loggedEvents = capturedLogLines.flatMap((line) => {
      try {
        const record = JSON.parse(line) as { events?: unknown[] };
        return [record, ...(record.events ?? [])];
      } catch {
        return [line];
      }
    });
    expect(loggedEvents.length).toBeGreaterThan(20);
    for (const secret of secrets.filter((s) => s.length >= 6)) {
      expect(log.includes(secret), `a secret (${secret.slice(0, 4)}…) appears in the logs`).toBe(false);
    }
    // A 6-digit code could occur inside a UUID by chance: look for it as a whole token.
    expect(log).not.toMatch(new RegExp(`(^|[^0-9A-Za-z])${code}([^0-9A-Za-z]|$)`));
    // Backup tokens also without their dashes, as users may type them.
    for (const token of tfa.backupTokens) expect(log.includes(token.replaceAll('-', ''))).toBe(false);
  });
});
