// The scenarios: what each measures, and the setup (accounts, tokens, challenges) it needs first, made
// through the public API and shared between scenarios.
import {
  type BenchUser,
  collectBackupTokens,
  logInForPreTFATokens,
  logInForTokens,
  makeUsers,
  signUpPlainUsers,
  signUpTOTPUsers,
  type TFAUser,
} from './fixtures.ts';
import type { LoadJob } from './load.ts';
import type { ScenarioReport } from './report.ts';
import type { ScenarioData } from './scenarios.ts';
import type { Settings } from './settings.ts';
import { sleep, type WranglerWorker } from './stack.ts';

const PASSWORD = 'correct horse battery staple';
// test-token and login cycle over this many accounts; refresh starts this many chains per connection.
const PLAIN_USER_COUNT = 20;
const REFRESH_CHAINS_PER_CONNECTION = 3;
// Each TOTP user serves at most this many login_tfa challenges in one run (see scenarios.ts). One: a
// user has one open pre-TFA challenge at a time (a new login ends the earlier one), so every pre-made
// challenge needs its own user; recover_tfa likewise uses one challenge per user.
const CHALLENGES_PER_TOTP_USER = 1;
// Matches TOTP_DRIFT_STEPS in wrangler.toml.
const TOTP_DRIFT_STEPS = 1;
// Lets the email queue consumer finish the setup's activation emails before anything is measured.
const QUEUE_SETTLE_MS = 2_000;

// Accounts are made on first use and shared between scenarios.
export type Fixtures = {
  baseUrl: string;
  getPlainUsers(): Promise<BenchUser[]>;
  getTOTPUsers(): Promise<TFAUser[]>;
  getBackupTokens(email: string): Promise<string[]>;
  stop(): void;
};

export function createFixtures(worker: WranglerWorker, settings: Settings, runId: string): Fixtures {
  const backupTokens = collectBackupTokens(worker.onOutputLine);
  let plainUsers: Promise<BenchUser[]> | undefined;
  let totpUsers: Promise<TFAUser[]> | undefined;
  return {
    baseUrl: worker.baseUrl,
    getPlainUsers() {
      plainUsers ??= (async () => {
        const users = makeUsers(`bench-${runId}-plain`, PLAIN_USER_COUNT, PASSWORD);
        await signUpPlainUsers(worker.baseUrl, users);
        return users;
      })();
      return plainUsers;
    },
    getTOTPUsers() {
      totpUsers ??= (async () => {
        const count = Math.ceil(settings.tfaPoolSize / CHALLENGES_PER_TOTP_USER);
        const users = await signUpTOTPUsers(
          worker.baseUrl,
          makeUsers(`bench-${runId}-totp`, count, PASSWORD),
        );
        await backupTokens.waitFor(users.map((user) => user.email));
        await sleep(QUEUE_SETTLE_MS);
        return users;
      })();
      return totpUsers;
    },
    async getBackupTokens(email) {
      return (await backupTokens.waitFor([email])).get(email) ?? [];
    },
    stop: () => backupTokens.stop(),
  };
}

export type Prepared = { data: ScenarioData; amount?: number };

export type ScenarioSpec = Omit<ScenarioReport, 'measurement'> & {
  prepare(fixtures: Fixtures): Promise<Prepared>;
};

export function defineScenarios(settings: Settings, runId: string): ScenarioSpec[] {
  return [
    {
      id: 'ceiling',
      label: 'GET / (ceiling)',
      method: 'bare route, no database',
      request: 'GET /',
      roundTripsByDesign: 0,
      prepare: async () => ({ data: { kind: 'ceiling' } }),
    },
    {
      id: 'test_token',
      label: 'GET /auth/test-token',
      method: `${PLAIN_USER_COUNT} users' access tokens in turn`,
      request: 'GET /api/v1/auth/test-token',
      roundTripsByDesign: 1,
      prepare: async (fixtures) => {
        const tokens = await logInForTokens(
          fixtures.baseUrl,
          await fixtures.getPlainUsers(),
          PLAIN_USER_COUNT,
        );
        return { data: { kind: 'test_token', accessTokens: tokens.map((pair) => pair.accessToken) } };
      },
    },
    {
      id: 'refresh',
      label: 'POST /auth/refresh',
      method: `${REFRESH_CHAINS_PER_CONNECTION} sessions per connection, each request presenting the token the previous answer rotated in`,
      request: 'POST /api/v1/auth/refresh',
      roundTripsByDesign: 1,
      prepare: async (fixtures) => {
        const count = settings.connections * REFRESH_CHAINS_PER_CONNECTION;
        const tokens = await logInForTokens(fixtures.baseUrl, await fixtures.getPlainUsers(), count);
        return { data: { kind: 'refresh', refreshTokens: tokens.map((pair) => pair.refreshToken) } };
      },
    },
    {
      id: 'login',
      label: 'POST /auth/login (no TFA)',
      method: `${PLAIN_USER_COUNT} users in turn; one PBKDF2 check each`,
      request: 'POST /api/v1/auth/login',
      roundTripsByDesign: 2,
      prepare: async (fixtures) => ({ data: { kind: 'login', users: await fixtures.getPlainUsers() } }),
    },
    {
      id: 'login_tfa',
      label: 'POST /tfa/login_tfa (TOTP)',
      method: `${settings.tfaPoolSize} pre-made challenges (${CHALLENGES_PER_TOTP_USER} per user), codes from each user's otpauth URI`,
      request: 'POST /api/v1/tfa/login_tfa?tfa_token=',
      roundTripsByDesign: 2,
      prepare: async (fixtures) => {
        const users = await fixtures.getTOTPUsers();
        const passes = Array.from({ length: CHALLENGES_PER_TOTP_USER }, () =>
          users.map((_, userIndex) => userIndex),
        );
        const userIndexes = passes.flat().slice(0, settings.tfaPoolSize);
        const tokens = await logInForPreTFATokens(
          fixtures.baseUrl,
          userIndexes.map((i) => users[i] as TFAUser),
        );
        return {
          data: {
            kind: 'login_tfa',
            otpauthURIs: users.map((user) => user.otpauthURI),
            challenges: userIndexes.map((userIndex, i) => ({ userIndex, preTFAToken: tokens[i] as string })),
            totpDriftSteps: TOTP_DRIFT_STEPS,
          },
          amount: userIndexes.length,
        };
      },
    },
    {
      id: 'recover_tfa',
      label: 'POST /tfa/recover_tfa',
      method: `${settings.tfaPoolSize} pre-made challenges, each with an unused backup token from the user's email`,
      request: 'POST /api/v1/tfa/recover_tfa?tfa_backup_token=',
      roundTripsByDesign: 1,
      prepare: async (fixtures) => {
        const users = await fixtures.getTOTPUsers();
        const picks = Array.from({ length: settings.tfaPoolSize }, (_, i) => ({
          user: users[i % users.length] as TFAUser,
          tokenIndex: Math.floor(i / users.length),
        }));
        const tokens = await logInForPreTFATokens(
          fixtures.baseUrl,
          picks.map((pick) => pick.user),
        );
        const challenges = await Promise.all(
          picks.map(async (pick, i) => {
            const backupToken = (await fixtures.getBackupTokens(pick.user.email))[pick.tokenIndex];
            if (!backupToken)
              throw new Error(`setup: ${pick.user.email} has too few backup tokens for the pool`);
            return { preTFAToken: tokens[i] as string, backupToken };
          }),
        );
        return { data: { kind: 'recover_tfa', challenges }, amount: challenges.length };
      },
    },
    {
      id: 'signup',
      label: 'POST /auth/signup',
      method: 'a new account per request (no TFA); one PBKDF2 hash each',
      request: 'POST /api/v1/auth/signup',
      roundTripsByDesign: 1,
      prepare: async () => ({
        data: { kind: 'signup', emailPrefix: `bench-${runId}-signup`, password: PASSWORD },
      }),
    },
  ];
}

export function makeJob(baseUrl: string, settings: Settings, prepared: Prepared): LoadJob {
  return {
    baseUrl,
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    amount: prepared.amount,
    data: prepared.data,
  };
}

export function describeMethods(specs: ScenarioSpec[], settings: Settings): string[] {
  return [
    ...specs.map((spec) => `${spec.label}: ${spec.method}.`),
    `login_tfa and recover_tfa run until their ${settings.tfaPoolSize} challenges are spent (each challenge costs a password login, made before the scenario and not counted in it); the others run ${settings.durationSeconds} s.`,
    'Every request carries its own CF-Connecting-IP, as if from many clients, so the per-IP rate limits (which stay on) never trip.',
    `CPU is utime + stime of both workerd processes \`wrangler dev\` runs (its proxy and the Worker) from a scenario's start until they are idle again (queued emails a request leaves behind count), ÷ requests sent; database round trips are the gateway's /sql requests ÷ requests sent. The requests column counts those answered within the run.`,
    'Load generator, gateway and database, wrangler and workerd share the same cores: compare rows with each other, not with production capacity.',
  ];
}
