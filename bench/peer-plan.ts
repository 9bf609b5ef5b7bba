// The peer's scenarios, one per edge-2fa operation it has an equivalent for (pairedWith), with the
// setup each needs made through Better Auth's own API first.
import {
  type PeerTFAUser,
  type PeerUser,
  signInPeerForCookies,
  signUpPeerTFAUsers,
  signUpPeerUsers,
  startPeerTFAChallenges,
} from './peer.ts';
import type { Prepared } from './plan.ts';
import type { Settings } from './settings.ts';

const PASSWORD = 'correct horse battery staple';
const PLAIN_USER_COUNT = 20;
// Better Auth makes 10 backup codes per user and keeps no TOTP replay state, so a user serves many
// challenges; the pool is spread over this many users.
const CHALLENGES_PER_TFA_USER = 10;

export type PeerScenarioSpec = {
  id: string;
  pairedWith: string;
  label: string;
  request: string;
  prepare(): Promise<Prepared>;
};

export function definePeerScenarios(baseUrl: string, settings: Settings, runId: string): PeerScenarioSpec[] {
  const makeUsers = (kind: string, count: number): PeerUser[] =>
    Array.from({ length: count }, (_, i) => ({
      email: `peer-${runId}-${kind}-${i}@example.com`,
      password: PASSWORD,
    }));
  let plainUsers: Promise<PeerUser[]> | undefined;
  const getPlainUsers = () => {
    plainUsers ??= (async () => {
      const users = makeUsers('plain', PLAIN_USER_COUNT);
      await signUpPeerUsers(baseUrl, users);
      return users;
    })();
    return plainUsers;
  };
  let tfaUsers: Promise<PeerTFAUser[]> | undefined;
  const getTFAUsers = () => {
    tfaUsers ??= signUpPeerTFAUsers(
      baseUrl,
      // At least one user per connection: Better Auth rewrites a user's backup-code list on each use, so two
      // concurrent uses by one user would race each other rather than measure the operation.
      makeUsers(
        'tfa',
        Math.max(settings.connections, Math.ceil(settings.tfaPoolSize / CHALLENGES_PER_TFA_USER)),
      ),
    );
    return tfaUsers;
  };
  return [
    {
      id: 'peer_get_session',
      pairedWith: 'test_token',
      label: 'GET /get-session',
      request: 'GET /api/auth/get-session (session cookie)',
      prepare: async () => ({
        data: {
          kind: 'peer_get_session',
          cookies: await signInPeerForCookies(baseUrl, await getPlainUsers()),
        },
      }),
    },
    {
      id: 'peer_sign_in',
      pairedWith: 'login',
      label: 'POST /sign-in/email',
      request: 'POST /api/auth/sign-in/email',
      prepare: async () => ({ data: { kind: 'peer_sign_in', users: await getPlainUsers() } }),
    },
    {
      id: 'peer_verify_totp',
      pairedWith: 'login_tfa',
      label: 'POST /two-factor/verify-totp',
      request: 'POST /api/auth/two-factor/verify-totp (two-factor cookie from sign-in)',
      prepare: async () => {
        const users = await getTFAUsers();
        const userIndexes = Array.from({ length: settings.tfaPoolSize }, (_, i) => i % users.length);
        const cookies = await startPeerTFAChallenges(
          baseUrl,
          userIndexes.map((i) => users[i] as PeerTFAUser),
        );
        return {
          data: {
            kind: 'peer_verify_totp',
            otpauthURIs: users.map((user) => user.otpauthURI),
            challenges: userIndexes.map((userIndex, i) => ({ userIndex, cookie: cookies[i] as string })),
          },
          amount: userIndexes.length,
        };
      },
    },
    {
      id: 'peer_verify_backup_code',
      pairedWith: 'recover_tfa',
      label: 'POST /two-factor/verify-backup-code',
      request: 'POST /api/auth/two-factor/verify-backup-code',
      prepare: async () => {
        const users = await getTFAUsers();
        const picks = Array.from({ length: settings.tfaPoolSize }, (_, i) => ({
          user: users[i % users.length] as PeerTFAUser,
          codeIndex: Math.floor(i / users.length),
        }));
        const cookies = await startPeerTFAChallenges(
          baseUrl,
          picks.map((pick) => pick.user),
        );
        const challenges = picks.map((pick, i) => {
          const code = pick.user.backupCodes[pick.codeIndex];
          if (!code) throw new Error('peer setup: too few backup codes for the pool');
          return { cookie: cookies[i] as string, code };
        });
        return { data: { kind: 'peer_verify_backup_code', challenges }, amount: challenges.length };
      },
    },
    {
      id: 'peer_sign_up',
      pairedWith: 'signup',
      label: 'POST /sign-up/email',
      request: 'POST /api/auth/sign-up/email',
      prepare: async () => ({
        data: { kind: 'peer_sign_up', emailPrefix: `peer-${runId}-signup`, password: PASSWORD },
      }),
    },
  ];
}
