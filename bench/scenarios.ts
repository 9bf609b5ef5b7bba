// What each scenario sends, built inside the load-generator process (bench/load.ts) from plain data the
// orchestrator prepared. Everything here runs per request on the client, so it stays cheap: no crypto
// except one TOTP code per login_tfa request.
import type { AutocannonRequest, RequestParams } from 'autocannon';
import * as OTPAuth from 'otpauth';

export type PreTFAChallenge = { preTFAToken: string; userIndex: number };

export type ScenarioData =
  | { kind: 'ceiling' }
  | { kind: 'test_token'; accessTokens: string[] }
  | { kind: 'refresh'; refreshTokens: string[] }
  | { kind: 'login'; users: { email: string; password: string }[] }
  | { kind: 'login_tfa'; otpauthURIs: string[]; challenges: PreTFAChallenge[]; totpDriftSteps: number }
  | { kind: 'recover_tfa'; challenges: { preTFAToken: string; backupToken: string }[] }
  | { kind: 'signup'; emailPrefix: string; password: string }
  | { kind: 'pbkdf2_probe'; hashesPerRequest: number }
  // The peer (Better Auth, bench/peer-better-auth): its own paths, cookies instead of bearer tokens.
  | { kind: 'peer_sign_up'; emailPrefix: string; password: string }
  | { kind: 'peer_sign_in'; users: { email: string; password: string }[] }
  | { kind: 'peer_get_session'; cookies: string[] }
  | { kind: 'peer_verify_totp'; otpauthURIs: string[]; challenges: { cookie: string; userIndex: number }[] }
  | { kind: 'peer_verify_backup_code'; challenges: { cookie: string; code: string }[] };

const API = '/api/v1';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_BODY = { 'content-type': 'application/json' };

// The abuse limits are per client IP (CF-Connecting-IP, which wrangler dev passes through when the client
// sets it). Real traffic comes from many clients, so each request gets its own address, as in the tests.
// Each load process starts at a random point, so windows a few seconds apart do not reuse addresses.
let requestCounter = Math.floor(Math.random() * 2 ** 23);
function nextClientIP(): string {
  requestCounter += 1;
  return `10.${(requestCounter >> 16) & 255}.${(requestCounter >> 8) & 255}.${requestCounter & 255}`;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function buildRequests(data: ScenarioData): AutocannonRequest[] {
  switch (data.kind) {
    case 'ceiling':
      return [{ method: 'GET', path: '/' }];
    case 'test_token':
      return [cycleTestToken(data.accessTokens)];
    case 'refresh':
      return [chainRefresh(data.refreshTokens)];
    case 'login':
      return [cycleLogin(data.users)];
    case 'login_tfa':
      return [sendTOTPCodes(data)];
    case 'recover_tfa':
      return [spendBackupTokens(data.challenges)];
    case 'signup':
      return [signUpNewUsers(data.emailPrefix, data.password)];
    case 'pbkdf2_probe':
      return [{ method: 'GET', path: `/?hashes=${data.hashesPerRequest}` }];
    case 'peer_sign_up':
      return [peerSignUp(data.emailPrefix, data.password)];
    case 'peer_sign_in':
      return [peerSignIn(data.users)];
    case 'peer_get_session':
      return [peerGetSession(data.cookies)];
    case 'peer_verify_totp':
      return [peerVerifyTOTP(data)];
    case 'peer_verify_backup_code':
      return [peerVerifyBackupCode(data.challenges)];
  }
}

const PEER_API = '/api/auth';
// Better Auth checks the Origin of state-changing requests against its trusted origins.
const PEER_ORIGIN = { origin: 'http://127.0.0.1' };

function peerHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { ...JSON_BODY, ...PEER_ORIGIN, 'x-forwarded-for': nextClientIP(), ...extra };
}

function peerSignUp(emailPrefix: string, password: string): AutocannonRequest {
  let next = 0;
  return {
    method: 'POST',
    path: `${PEER_API}/sign-up/email`,
    setupRequest: (request) => {
      next += 1;
      return {
        ...request,
        headers: peerHeaders(),
        body: JSON.stringify({ email: `${emailPrefix}-${next}@example.com`, password, name: 'Bench User' }),
      };
    },
  };
}

function peerSignIn(users: { email: string; password: string }[]): AutocannonRequest {
  let next = 0;
  return {
    method: 'POST',
    path: `${PEER_API}/sign-in/email`,
    setupRequest: (request) => {
      const user = users[next++ % users.length] as { email: string; password: string };
      return { ...request, headers: peerHeaders(), body: JSON.stringify(user) };
    },
  };
}

function peerGetSession(cookies: string[]): AutocannonRequest {
  let next = 0;
  return {
    method: 'GET',
    path: `${PEER_API}/get-session`,
    setupRequest: (request) => ({
      ...request,
      headers: { cookie: cookies[next++ % cookies.length] as string, 'x-forwarded-for': nextClientIP() },
    }),
  };
}

// Better Auth keeps no record of used TOTP steps (no replay guard), so the current code always passes.
function peerVerifyTOTP(data: Extract<ScenarioData, { kind: 'peer_verify_totp' }>): AutocannonRequest {
  const totps = data.otpauthURIs.map((uri) => OTPAuth.URI.parse(uri) as OTPAuth.TOTP);
  let next = 0;
  return {
    method: 'POST',
    path: `${PEER_API}/two-factor/verify-totp`,
    setupRequest: (request) => {
      const challenge = data.challenges[next++] ?? { cookie: 'exhausted=1', userIndex: 0 };
      const code = (totps[challenge.userIndex] as OTPAuth.TOTP).generate();
      return {
        ...request,
        headers: peerHeaders({ cookie: challenge.cookie }),
        body: JSON.stringify({ code }),
      };
    },
  };
}

function peerVerifyBackupCode(challenges: { cookie: string; code: string }[]): AutocannonRequest {
  let next = 0;
  return {
    method: 'POST',
    path: `${PEER_API}/two-factor/verify-backup-code`,
    setupRequest: (request) => {
      const challenge = challenges[next++] ?? { cookie: 'exhausted=1', code: 'exhausted' };
      return {
        ...request,
        headers: peerHeaders({ cookie: challenge.cookie }),
        body: JSON.stringify({ code: challenge.code }),
      };
    },
  };
}

function cycleTestToken(accessTokens: string[]): AutocannonRequest {
  let next = 0;
  return {
    method: 'GET',
    setupRequest: (request) => {
      const token = accessTokens[next++ % accessTokens.length] as string;
      return { ...request, path: `${API}/auth/test-token`, headers: bearer(token) };
    },
  };
}

// Refresh tokens rotate, so each request presents the one the previous response returned: a shared queue
// seeded with a few tokens per connection, each answer putting its new token back. Every request is
// therefore a first use of a valid token, which is the path worth measuring. A token lost to an error is
// replaced from the spares; if they ran out the request goes with a dead token and counts as non-2xx.
function chainRefresh(seedTokens: string[]): AutocannonRequest {
  const ready = [...seedTokens];
  return {
    method: 'POST',
    path: `${API}/auth/refresh`,
    setupRequest: (request) => {
      const token = ready.shift() ?? 'exhausted';
      return {
        ...request,
        headers: { ...JSON_BODY, 'cf-connecting-ip': nextClientIP() },
        body: JSON.stringify({ refresh_token: token }),
      };
    },
    onResponse: (status, body) => {
      if (status !== 200) return;
      const { refresh_token: next } = JSON.parse(body) as { refresh_token?: string };
      if (next) ready.push(next);
    },
  };
}

function cycleLogin(users: { email: string; password: string }[]): AutocannonRequest {
  let next = 0;
  return {
    method: 'POST',
    path: `${API}/auth/login`,
    setupRequest: (request) => {
      const user = users[next++ % users.length] as { email: string; password: string };
      return {
        ...request,
        headers: { ...FORM, 'cf-connecting-ip': nextClientIP() },
        body: new URLSearchParams({ username: user.email, password: user.password }).toString(),
      };
    },
  };
}

const TOTP_PERIOD_SECONDS = 30;
// An earlier step is only sent with this much of the current step left, so it cannot age out of the
// server's drift window between the client computing it and the server checking it.
const EARLIER_STEP_MARGIN_MS = 3_000;

// RFC 6238 §5.2 as the service applies it: per user, only a step later than the last accepted one passes,
// within ±drift steps of now. So each user's challenges go one at a time (never two in flight), each with
// the earliest step that is still new for that user; the orchestrator makes at most 2 challenges per user,
// which the steps [now - drift, now + drift] always cover.
function sendTOTPCodes(data: Extract<ScenarioData, { kind: 'login_tfa' }>): AutocannonRequest {
  const totps = data.otpauthURIs.map((uri) => OTPAuth.URI.parse(uri) as OTPAuth.TOTP);
  const lastStepSent = new Map<number, number>();
  const inFlight = new Set<number>();
  const pending = [...data.challenges];

  const pickStep = (userIndex: number, nowMs: number): number | undefined => {
    const currentStep = Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
    const msLeftInStep = TOTP_PERIOD_SECONDS * 1000 - (nowMs % (TOTP_PERIOD_SECONDS * 1000));
    const earliest = msLeftInStep > EARLIER_STEP_MARGIN_MS ? currentStep - data.totpDriftSteps : currentStep;
    const step = Math.max((lastStepSent.get(userIndex) ?? -Infinity) + 1, earliest);
    return step <= currentStep + data.totpDriftSteps ? step : undefined;
  };

  return {
    method: 'POST',
    setupRequest: (request, context) => {
      const nowMs = Date.now();
      for (let tried = 0; tried < pending.length; tried++) {
        const challenge = pending.shift() as PreTFAChallenge;
        const step = inFlight.has(challenge.userIndex) ? undefined : pickStep(challenge.userIndex, nowMs);
        if (step === undefined) {
          pending.push(challenge);
          continue;
        }
        lastStepSent.set(challenge.userIndex, step);
        inFlight.add(challenge.userIndex);
        context.userIndex = challenge.userIndex;
        const totp = totps[challenge.userIndex] as OTPAuth.TOTP;
        const code = totp.generate({ timestamp: step * TOTP_PERIOD_SECONDS * 1000 });
        return {
          ...request,
          path: `${API}/tfa/login_tfa?tfa_token=${code}`,
          headers: { ...bearer(challenge.preTFAToken), 'cf-connecting-ip': nextClientIP() },
        };
      }
      // Pool exhausted (the run is sized so this does not happen): a request that fails visibly.
      return { ...request, path: `${API}/tfa/login_tfa?tfa_token=000000`, headers: bearer('exhausted') };
    },
    onResponse: (_status, _body, context) => {
      if (typeof context.userIndex === 'number') inFlight.delete(context.userIndex);
    },
  };
}

function spendBackupTokens(challenges: { preTFAToken: string; backupToken: string }[]): AutocannonRequest {
  let next = 0;
  return {
    method: 'POST',
    setupRequest: (request) => {
      const challenge = challenges[next++] ?? { preTFAToken: 'exhausted', backupToken: 'XXXX-XXXX-XXXX' };
      return {
        ...request,
        path: `${API}/tfa/recover_tfa?tfa_backup_token=${encodeURIComponent(challenge.backupToken)}`,
        headers: { ...bearer(challenge.preTFAToken), 'cf-connecting-ip': nextClientIP() },
      };
    },
  };
}

function signUpNewUsers(emailPrefix: string, password: string): AutocannonRequest {
  let next = 0;
  return {
    method: 'POST',
    path: `${API}/auth/signup`,
    setupRequest: (request: RequestParams) => {
      next += 1;
      return {
        ...request,
        headers: { ...JSON_BODY, 'cf-connecting-ip': nextClientIP() },
        body: JSON.stringify({
          email: `${emailPrefix}-${next}@example.com`,
          password,
          full_name: 'Bench User',
        }),
      };
    },
  };
}
