// Attack: a NUL byte (U+0000) in any text field. Postgres `text` cannot hold it, so a NUL in the login
// username or the signup name reached the database and came back as SQLSTATE 22021: an unhandled 500. A
// 500 an attacker can trigger at will hides real faults and fills the error logs. Pinned: a NUL in every
// text input (JSON body, login form, query string) is a 422 on that field; and if one ever slips past a
// schema, the database's refusal (22021 / 22P05) is a 400 problem, never a 500.
import { describe, expect, it } from 'vitest';
import { toProblem } from '../../src/http/errors';
import {
  bearer,
  call,
  expectProblem,
  logIn,
  PASSWORD,
  postJSON,
  signUp,
  signUpAndLogIn,
} from '../support/api';
import { sqlQuery } from '../support/db';
import { signUpWithAuthenticator, startTFALogin } from '../support/tfa';

const NUL = '\u0000';

async function expectFieldRefused(response: Response, field: string) {
  const problem = await expectProblem(response, 422, 'validation_failed');
  expect(problem.errors).toContainEqual(expect.objectContaining({ field }));
}

function postForm(path: string, fields: Record<string, string>) {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('NUL bytes in text inputs', () => {
  it('POST /auth/login refuses a NUL in the username or the password (form)', async () => {
    await expectFieldRefused(await logIn(`ada${NUL}@example.com`, PASSWORD), 'username');
    await expectFieldRefused(await logIn('ada@example.com', `pass${NUL}word-long`), 'password');
    const fields = { username: 'ada@example.com', password: PASSWORD };
    for (const extra of ['scope', 'client_id', 'client_secret']) {
      await expectFieldRefused(await postForm('/api/v1/auth/login', { ...fields, [extra]: NUL }), extra);
    }
  });

  it('POST /auth/signup refuses a NUL in full_name, email or password (JSON)', async () => {
    await expectFieldRefused((await signUp({ full_name: `Ada${NUL}Lovelace` })).response, 'full_name');
    await expectFieldRefused((await signUp({ email: `ada${NUL}x@example.com` })).response, 'email');
    await expectFieldRefused((await signUp({ password: `${PASSWORD}${NUL}` })).response, 'password');
  });

  it('the account and token endpoints refuse a NUL in every text field', async () => {
    const { tokens } = await signUpAndLogIn();
    await expectFieldRefused(
      await postJSON('/api/v1/auth/refresh', { refresh_token: `${tokens.refresh_token}${NUL}` }),
      'refresh_token',
    );
    await expectFieldRefused(
      await postJSON('/api/v1/auth/password/forgot', { email: `a${NUL}@b.co` }),
      'email',
    );
    await expectFieldRefused(
      await postJSON('/api/v1/auth/password/reset', {
        token: `t${NUL}`,
        new_password: 'a new long passphrase',
      }),
      'token',
    );
    await expectFieldRefused(
      await postJSON(
        '/api/v1/auth/password/change',
        { current_password: `${PASSWORD}${NUL}`, new_password: `new ${NUL} passphrase` },
        bearer(tokens.access_token),
      ),
      'current_password',
    );
    await expectFieldRefused(
      await postJSON(
        '/api/v1/tfa/disable',
        { password: PASSWORD, code: `12${NUL}456` },
        bearer(tokens.access_token),
      ),
      'code',
    );
  });

  it('the second-factor routes refuse a NUL in the code, in the query string and in the body', async () => {
    const user = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(user.email);
    await expectFieldRefused(
      await call(`/api/v1/tfa/login_tfa?tfa_token=12${encodeURIComponent(NUL)}456`, {
        method: 'POST',
        headers: bearer(preTFA),
      }),
      'tfa_token',
    );
    await expectFieldRefused(
      await postJSON('/api/v1/tfa/recover_tfa', { tfa_backup_token: `AAAA${NUL}` }, bearer(preTFA)),
      'tfa_backup_token',
    );
    await expectFieldRefused(
      await call(`/api/v1/tasks/taskstatus?task_id=${encodeURIComponent(NUL)}`),
      'task_id',
    );
  });

  it('maps the database refusing a NUL (SQLSTATE 22021) to a 400 problem, not a 500', async () => {
    const error = await sqlQuery('select $1::text as value', [`a${NUL}b`]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((error as { code?: string } | undefined)?.code).toBe('22021');
    const problem = toProblem(error);
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('invalid_text');
    expect(problem.detail).toMatch(/NUL/);
  });
});
