// The peer, side by side: Better Auth (bench/peer-better-auth, its own package.json and lockfile,
// installed here with `npm ci` when missing) on Node with `pg`, on the same PostgreSQL as edge-2fa.
// Setup (accounts, sessions, second-factor challenges) goes through its public API, like ours.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { stopProcessGroup } from '../tools/local-stack.ts';
import { mapWithConcurrency } from './fixtures.ts';
import { PROJECT_DIR, waitForLine } from './stack.ts';

const PEER_DIR = join(PROJECT_DIR, 'bench/peer-better-auth');
const API = '/api/auth';
const READY_TIMEOUT_MS = 60_000;
const SETUP_CONCURRENCY = 4;

export type Peer = { baseUrl: string; pid: number; version: string; stop(): Promise<void> };

export function installPeer(): void {
  if (existsSync(join(PEER_DIR, 'node_modules/better-auth/package.json'))) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: PEER_DIR, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm ci in bench/peer-better-auth failed:\n${result.stderr}`);
}

export async function startPeer(databaseUrl: string): Promise<Peer> {
  installPeer();
  const child: ChildProcess = spawn(process.execPath, [join(PEER_DIR, 'server.mjs')], {
    cwd: PEER_DIR,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PEER_DATABASE_URL: databaseUrl,
      PEER_PORT: '0',
      PEER_SECRET: randomBytes(32).toString('base64url'),
    },
  });
  const baseUrl = await waitForLine(
    child,
    /listening on (http:\/\/\S+)$/,
    READY_TIMEOUT_MS,
    'Better Auth peer',
  );
  const { version } = JSON.parse(
    readFileSync(join(PEER_DIR, 'node_modules/better-auth/package.json'), 'utf8'),
  ) as { version: string };
  return { baseUrl, pid: child.pid as number, version, stop: () => stopProcessGroup(child) };
}

let setupIPCounter = 0;
function nextSetupIP(): string {
  setupIPCounter += 1;
  return `10.251.${(setupIPCounter >> 8) & 255}.${setupIPCounter & 255}`;
}

// "name=value" pairs of every Set-Cookie, joined for a Cookie header.
function cookieHeaderFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .filter((pair) => pair && !pair.endsWith('='))
    .join('; ');
}

async function callPeer(
  baseUrl: string,
  path: string,
  body: unknown,
  cookie?: string,
): Promise<{ json: Record<string, unknown>; cookie: string }> {
  const response = await fetch(`${baseUrl}${API}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: 'http://127.0.0.1',
      'x-forwarded-for': nextSetupIP(),
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`peer setup: POST ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return { json: JSON.parse(text) as Record<string, unknown>, cookie: cookieHeaderFrom(response) };
}

export type PeerUser = { email: string; password: string };
export type PeerTFAUser = PeerUser & { otpauthURI: string; backupCodes: string[] };

export async function signUpPeerUsers(baseUrl: string, users: PeerUser[]): Promise<void> {
  await mapWithConcurrency(users, SETUP_CONCURRENCY, (user) =>
    callPeer(baseUrl, '/sign-up/email', { ...user, name: 'Bench User' }),
  );
}

export async function signInPeerForCookies(baseUrl: string, users: PeerUser[]): Promise<string[]> {
  return mapWithConcurrency(users, SETUP_CONCURRENCY, async (user) => {
    const { cookie } = await callPeer(baseUrl, '/sign-in/email', user);
    return cookie;
  });
}

/** Signs up, enables TOTP (enable, then a first verify, as its docs describe) and keeps the backup codes. */
export async function signUpPeerTFAUsers(baseUrl: string, users: PeerUser[]): Promise<PeerTFAUser[]> {
  return mapWithConcurrency(users, SETUP_CONCURRENCY, async (user) => {
    const { cookie } = await callPeer(baseUrl, '/sign-up/email', { ...user, name: 'Bench User' });
    const { json } = await callPeer(baseUrl, '/two-factor/enable', { password: user.password }, cookie);
    const otpauthURI = String(json.totpURI);
    const code = (OTPAuth.URI.parse(otpauthURI) as OTPAuth.TOTP).generate();
    await callPeer(baseUrl, '/two-factor/verify-totp', { code }, cookie);
    return { ...user, otpauthURI, backupCodes: json.backupCodes as string[] };
  });
}

/** One signed-in-but-not-yet-second-factor cookie (a new challenge) per entry of `users`. */
export async function startPeerTFAChallenges(baseUrl: string, users: PeerUser[]): Promise<string[]> {
  return mapWithConcurrency(users, SETUP_CONCURRENCY, async (user) => {
    const { json, cookie } = await callPeer(baseUrl, '/sign-in/email', user);
    if (json.twoFactorRedirect !== true)
      throw new Error('peer setup: sign-in did not ask for the second factor');
    return cookie;
  });
}
