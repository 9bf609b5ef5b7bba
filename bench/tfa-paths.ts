// Round trips of the second factor on every path, one request at a time so the gateway's counters
// belong to exactly that request: login_tfa with a TOTP code and with an emailed code, and recover_tfa,
// each with the right code, a wrong one, a replayed one and on a challenge locked by too many failures.
// Codes come from the user's otpauth URI and from the emails the Worker prints (as a user would read them).
import * as OTPAuth from 'otpauth';
import type { DatabaseCounter } from './measure.ts';
import type { WorkerServer } from './servers.ts';
import { sleep } from './stack.ts';

const API = '/api/v1';
const PASSWORD = 'correct horse battery staple';
const EMAIL_WAIT_TIMEOUT_MS = 20_000;
// Before each measured request the gateway must be quiet this long: the email queue's consumer runs up
// to a second after the request that enqueued (max_batch_timeout), and its work is not the next request's.
const QUIET_POLL_MS = 300;
const QUIET_POLLS = 5;
// LOCKOUT_THRESHOLD (src/db/queries/lockout.ts) and MAX_ATTEMPTS_PER_CHALLENGE (tfa.service.ts): after
// this many wrong codes both the account and the challenge refuse the next one.
const FAILURES_THAT_LOCK = 5;

export type TFAPathResult = {
  flow: 'login_tfa (TOTP)' | 'login_tfa (email code)' | 'recover_tfa' | 'logout';
  path: 'right' | 'wrong' | 'replay' | 'locked';
  status: number;
  roundTrips: number;
  statements: number;
};

let ipCounter = 0;
function nextIP(): string {
  ipCounter += 1;
  return `10.252.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

async function call(baseUrl: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('cf-connecting-ip', nextIP());
  return fetch(`${baseUrl}${API}${path}`, { method: 'POST', ...init, headers });
}

// The Worker's printed emails, by recipient, newest last.
function collectEmails(worker: WorkerServer) {
  const byRecipient = new Map<string, string[][]>();
  let current: { to?: string; lines: string[] } | undefined;
  const unsubscribe = worker.onOutputLine((raw) => {
    const line = raw.trim();
    // The console transport frames each email as `----- email <task id> -----` … `----- end email <task id> -----`.
    if (/^----- email \S+ -----$/.test(line)) current = { lines: [] };
    else if (/^----- end email \S+ -----$/.test(line)) {
      if (current?.to) byRecipient.set(current.to, [...(byRecipient.get(current.to) ?? []), current.lines]);
      current = undefined;
    } else if (current) {
      if (line.startsWith('To: ')) current.to = line.slice(4).trim().toLowerCase();
      current.lines.push(line);
    }
  });
  return {
    /** The `skip`-th line (0-based, over all of `to`'s emails in order) that matches `pattern`. */
    async waitForLine(to: string, pattern: RegExp, skip: number): Promise<string> {
      const deadline = Date.now() + EMAIL_WAIT_TIMEOUT_MS;
      for (;;) {
        const matching = (byRecipient.get(to) ?? []).flatMap((lines) =>
          lines.filter((line) => pattern.test(line)),
        );
        const found = matching[skip];
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`tfa paths: no email for ${to} matching ${pattern}`);
        await sleep(100);
      }
    },
    stop: unsubscribe,
  };
}

async function waitForQuiet(counter: DatabaseCounter): Promise<void> {
  let previous = await counter.read();
  for (let quiet = 0; quiet < QUIET_POLLS; ) {
    await sleep(QUIET_POLL_MS);
    const next = await counter.read();
    quiet = next.statements === previous.statements ? quiet + 1 : 0;
    previous = next;
  }
}

async function signUp(baseUrl: string, email: string, deviceType: 'code_generator' | 'email') {
  const response = await call(baseUrl, '/auth/signup?format=json', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email,
      password: PASSWORD,
      full_name: 'Bench User',
      tfa_enabled: true,
      device: { device_type: deviceType },
    }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`tfa paths: signup answered ${response.status}: ${text}`);
  return JSON.parse(text) as { otpauth_uri?: string };
}

async function startChallenge(baseUrl: string, email: string): Promise<string> {
  const response = await call(baseUrl, '/auth/login', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: email, password: PASSWORD }).toString(),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`tfa paths: login answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

export async function probeTFAPaths(
  worker: WorkerServer,
  counter: DatabaseCounter,
  runId: string,
): Promise<TFAPathResult[]> {
  const baseUrl = worker.baseUrl;
  const emails = collectEmails(worker);
  const results: TFAPathResult[] = [];
  const measure = async (
    flow: TFAPathResult['flow'],
    path: TFAPathResult['path'],
    send: () => Promise<Response>,
  ) => {
    await waitForQuiet(counter);
    await counter.reset();
    const response = await send();
    await response.arrayBuffer();
    await sleep(QUIET_POLL_MS);
    const { roundTrips, statements } = await counter.read();
    results.push({ flow, path, status: response.status, roundTrips, statements });
  };
  const loginTFA = (token: string, code: string) =>
    call(baseUrl, `/tfa/login_tfa?tfa_token=${encodeURIComponent(code)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const recoverTFA = (token: string, backupToken: string) =>
    call(baseUrl, `/tfa/recover_tfa?tfa_backup_token=${encodeURIComponent(backupToken)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const lockChallenge = async (send: () => Promise<Response>) => {
    for (let i = 0; i < FAILURES_THAT_LOCK; i++) await (await send()).arrayBuffer();
  };
  const BACKUP_TOKEN = /^[0-9A-Z]{4}(?:-[0-9A-Z]{4})+$/;
  // Five failures in a row lock the account (src/db/queries/lockout.ts): each "locked" path gets a user
  // of its own, and the other paths stay below that.
  const totpUser = async (name: string) => {
    const email = `bench-${runId}-paths-${name}@example.com`;
    const { otpauth_uri } = await signUp(baseUrl, email, 'code_generator');
    return { email, totp: OTPAuth.URI.parse(String(otpauth_uri)) as OTPAuth.TOTP };
  };
  const other = (code: string) => (code === '000000' ? '000001' : '000000');
  try {
    // TOTP: right, the same code on a new challenge (replay), a wrong code; then a locked account.
    const totpA = await totpUser('totp');
    const code = totpA.totp.generate();
    const rightToken = await startChallenge(baseUrl, totpA.email);
    await measure('login_tfa (TOTP)', 'right', () => loginTFA(rightToken, code));
    const replayToken = await startChallenge(baseUrl, totpA.email);
    await measure('login_tfa (TOTP)', 'replay', () => loginTFA(replayToken, code));
    const wrongToken = await startChallenge(baseUrl, totpA.email);
    await measure('login_tfa (TOTP)', 'wrong', () => loginTFA(wrongToken, other(code)));
    const totpB = await totpUser('totp-locked');
    const lockedToken = await startChallenge(baseUrl, totpB.email);
    await lockChallenge(() => loginTFA(lockedToken, other(totpB.totp.generate())));
    await measure('login_tfa (TOTP)', 'locked', () => loginTFA(lockedToken, totpB.totp.generate()));

    // Email code: right, the same code again on the same challenge (replay), wrong; then locked.
    const emailA = `bench-${runId}-paths-email@example.com`;
    await signUp(baseUrl, emailA, 'email');
    const emailToken = await startChallenge(baseUrl, emailA);
    const emailCode = await emails.waitForLine(emailA, /^\d{6}$/, 0);
    await measure('login_tfa (email code)', 'right', () => loginTFA(emailToken, emailCode));
    await measure('login_tfa (email code)', 'replay', () => loginTFA(emailToken, emailCode));
    const emailWrongToken = await startChallenge(baseUrl, emailA);
    const emailWrongCode = other(await emails.waitForLine(emailA, /^\d{6}$/, 1));
    await measure('login_tfa (email code)', 'wrong', () => loginTFA(emailWrongToken, emailWrongCode));
    const emailB = `bench-${runId}-paths-email-locked@example.com`;
    await signUp(baseUrl, emailB, 'email');
    const emailLockedToken = await startChallenge(baseUrl, emailB);
    const emailLockedCode = await emails.waitForLine(emailB, /^\d{6}$/, 0);
    await lockChallenge(() => loginTFA(emailLockedToken, other(emailLockedCode)));
    await measure('login_tfa (email code)', 'locked', () => loginTFA(emailLockedToken, emailLockedCode));

    // Backup tokens from the activation email: right, the same token again (replay), wrong; then locked.
    const backupToken = await emails.waitForLine(totpA.email, BACKUP_TOKEN, 0);
    const recoverRightToken = await startChallenge(baseUrl, totpA.email);
    await measure('recover_tfa', 'right', () => recoverTFA(recoverRightToken, backupToken));
    const recoverReplayToken = await startChallenge(baseUrl, totpA.email);
    await measure('recover_tfa', 'replay', () => recoverTFA(recoverReplayToken, backupToken));
    const recoverWrongToken = await startChallenge(baseUrl, totpA.email);
    await measure('recover_tfa', 'wrong', () => recoverTFA(recoverWrongToken, 'AAAA-AAAA-AAAA'));
    const totpC = await totpUser('recover-locked');
    const recoverLockedToken = await startChallenge(baseUrl, totpC.email);
    await lockChallenge(() => recoverTFA(recoverLockedToken, 'AAAA-AAAA-AAAA'));
    const lockedBackupToken = await emails.waitForLine(totpC.email, BACKUP_TOKEN, 0);
    await measure('recover_tfa', 'locked', () => recoverTFA(recoverLockedToken, lockedBackupToken));

    // Logout is not a load scenario (each request ends a session): one request with a live access token.
    const loggedIn = await recoverTFA(
      await startChallenge(baseUrl, totpA.email),
      await emails.waitForLine(totpA.email, BACKUP_TOKEN, 1),
    );
    const { access_token } = (await loggedIn.json()) as { access_token: string };
    await measure('logout', 'right', () =>
      call(baseUrl, '/auth/logout', { headers: { authorization: `Bearer ${access_token}` } }),
    );
  } finally {
    emails.stop();
  }
  return results;
}
