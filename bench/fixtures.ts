// Setup traffic: users, tokens and pre-TFA challenges made through the public API before a scenario
// (never counted in it: the gateway counters are reset after setup). Backup tokens exist only in the
// activation email, so they are read from the Worker's console output, as a user would read their mail.
import { sleep } from './stack.ts';

const API = '/api/v1';
const SETUP_CONCURRENCY = 4;
const EMAIL_WAIT_TIMEOUT_MS = 30_000;
const BACKUP_TOKEN_LINE = /^[0-9A-Z]{4}(?:-[0-9A-Z]{4})+$/;

export type BenchUser = { email: string; password: string };
export type TFAUser = BenchUser & { otpauthURI: string };
export type TokenPair = { accessToken: string; refreshToken: string };

let setupIPCounter = 0;
// Like the load generator, setup traffic comes from many client addresses so the per-IP limits hold.
function nextSetupClientIP(): string {
  setupIPCounter += 1;
  return `10.250.${(setupIPCounter >> 8) & 255}.${setupIPCounter & 255}`;
}

async function callAPI(baseUrl: string, path: string, init: RequestInit, expectedStatus: number) {
  const headers = new Headers(init.headers);
  headers.set('cf-connecting-ip', nextSetupClientIP());
  const response = await fetch(`${baseUrl}${API}${path}`, { ...init, headers });
  const text = await response.text();
  if (response.status !== expectedStatus) {
    throw new Error(
      `setup: ${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`,
    );
  }
  return JSON.parse(text) as Record<string, unknown>;
}

export async function mapWithConcurrency<T, R>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function signUp(baseUrl: string, user: BenchUser, device?: 'code_generator', query = '') {
  const body = {
    email: user.email,
    password: user.password,
    full_name: 'Bench User',
    ...(device ? { tfa_enabled: true, device: { device_type: device } } : {}),
  };
  return callAPI(
    baseUrl,
    `/auth/signup${query}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    201,
  );
}

function logIn(baseUrl: string, user: BenchUser, expectedStatus: number) {
  return callAPI(
    baseUrl,
    '/auth/login',
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user.email, password: user.password }).toString(),
    },
    expectedStatus,
  );
}

export function makeUsers(prefix: string, count: number, password: string): BenchUser[] {
  return Array.from({ length: count }, (_, i) => ({ email: `${prefix}-${i}@example.com`, password }));
}

export async function signUpPlainUsers(baseUrl: string, users: BenchUser[]): Promise<void> {
  await mapWithConcurrency(users, SETUP_CONCURRENCY, (user) => signUp(baseUrl, user));
}

export async function signUpTOTPUsers(baseUrl: string, users: BenchUser[]): Promise<TFAUser[]> {
  return mapWithConcurrency(users, SETUP_CONCURRENCY, async (user) => {
    const body = await signUp(baseUrl, user, 'code_generator', '?format=json');
    if (typeof body.otpauth_uri !== 'string')
      throw new Error('setup: signup ?format=json returned no otpauth_uri');
    return { ...user, otpauthURI: body.otpauth_uri };
  });
}

export async function logInForTokens(
  baseUrl: string,
  users: BenchUser[],
  count: number,
): Promise<TokenPair[]> {
  const picks = Array.from({ length: count }, (_, i) => users[i % users.length] as BenchUser);
  return mapWithConcurrency(picks, SETUP_CONCURRENCY, async (user) => {
    const body = await logIn(baseUrl, user, 200);
    return { accessToken: String(body.access_token), refreshToken: String(body.refresh_token) };
  });
}

/** One fresh pre-TFA token (a new challenge) per entry of `users`. */
export async function logInForPreTFATokens(baseUrl: string, users: BenchUser[]): Promise<string[]> {
  return mapWithConcurrency(users, SETUP_CONCURRENCY, async (user) => {
    const body = await logIn(baseUrl, user, 202);
    return String(body.access_token);
  });
}

// Reads "----- email <task id> -----" … "----- end email <task id> -----" blocks (the console transport's
// frame, src/email/transports/console.ts, one console.log per email) from the Worker's console output and
// keeps the backup tokens of each activation email by recipient.
const EMAIL_START = /^----- email (\S+) -----$/;
const EMAIL_END = /^----- end email (\S+) -----$/;

export function collectBackupTokens(subscribe: (listener: (line: string) => void) => () => void) {
  const tokensByEmail = new Map<string, string[]>();
  let current: { taskId: string; to?: string; tokens: string[] } | undefined;
  const unsubscribe = subscribe((rawLine) => {
    const line = rawLine.trim();
    const start = EMAIL_START.exec(line);
    const end = EMAIL_END.exec(line);
    if (start?.[1]) {
      current = { taskId: start[1], tokens: [] };
    } else if (end) {
      if (current && current.taskId === end[1] && current.to && current.tokens.length > 0)
        tokensByEmail.set(current.to, current.tokens);
      current = undefined;
    } else if (current) {
      if (line.startsWith('To: ')) current.to = line.slice('To: '.length).trim().toLowerCase();
      else if (BACKUP_TOKEN_LINE.test(line)) current.tokens.push(line);
    }
  });
  return {
    async waitFor(emails: string[]): Promise<Map<string, string[]>> {
      const deadline = Date.now() + EMAIL_WAIT_TIMEOUT_MS;
      while (emails.some((email) => !tokensByEmail.has(email))) {
        if (Date.now() > deadline) {
          const missing = emails.filter((email) => !tokensByEmail.has(email)).length;
          throw new Error(`setup: ${missing} backup-token emails did not arrive in the Worker's output`);
        }
        await sleep(200);
      }
      return tokensByEmail;
    },
    stop: unsubscribe,
  };
}
