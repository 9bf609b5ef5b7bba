// The README's curl session, step by step, through the typed client (client/) against a private stack:
// proof that the generated client covers the real service, that its wrapper finishes a 202 login with a
// second factor (authenticator code, then a backup token), and that it renews an expired access token by
// itself. Usage: node tools/e2e/client-session.ts
import * as OTPAuth from 'otpauth';
import { createEdge2FAClient, type Edge2FAClient } from '../../client/src/index.ts';
import { waitForBackupToken } from './readme-examples.ts';
import { type Stack, startStack } from './stack.ts';

const PASSWORD = 'correct horse battery staple';

type Step = { name: string; run(): Promise<void> };

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function session(client: Edge2FAClient) {
  check(client.session, 'no session');
  return client.session;
}

function steps(stack: Stack): Step[] {
  const suffix = crypto.randomUUID().slice(0, 8);
  const ada = { email: `ada-${suffix}@example.com`, client: createEdge2FAClient({ baseUrl: stack.baseUrl }) };
  const bob = { email: `bob-${suffix}@example.com`, client: createEdge2FAClient({ baseUrl: stack.baseUrl }) };
  let totp: OTPAuth.TOTP | undefined;
  let taskId = '';
  const spentBackupTokens = new Set<string>();
  return [
    {
      name: 'signUp (Ada, no second factor) → 201 user',
      async run() {
        const { data, response } = await ada.client.api.POST('/api/v1/auth/signup', {
          body: { email: ada.email, password: PASSWORD, full_name: 'Ada' },
        });
        check(response.status === 201 && typeof data === 'object' && 'email' in data, 'no user');
        check(data.email === ada.email, 'wrong user');
      },
    },
    {
      name: 'logIn (Ada) → 200 session',
      async run() {
        const result = await ada.client.logIn(ada.email, PASSWORD);
        check(result.status === 'logged_in', `expected a session, got ${result.status}`);
      },
    },
    {
      name: 'testToken → 200 the user',
      async run() {
        const user = ada.client.unwrap(await ada.client.api.GET('/api/v1/auth/test-token'));
        check(user.email === ada.email && user.device === null, 'wrong user');
      },
    },
    {
      name: 'refreshTokens → 200 rotated session',
      async run() {
        const before = session(ada.client);
        const after = await ada.client.refresh();
        check(after.refreshToken !== before.refreshToken, 'the refresh token did not rotate');
      },
    },
    {
      name: 'a refused access token (expired, or here garbage) is renewed with the refresh token, the request retried',
      async run() {
        const resumed = createEdge2FAClient({
          baseUrl: stack.baseUrl,
          session: { accessToken: 'expired.access.token', refreshToken: session(ada.client).refreshToken },
        });
        const user = resumed.unwrap(await resumed.api.GET('/api/v1/auth/test-token'));
        check(user.email === ada.email, 'wrong user after the refresh');
        check(resumed.session?.accessToken !== 'expired.access.token', 'the access token was not renewed');
        // Ada's client keeps working with the rotated session from here on.
        ada.client = resumed;
      },
    },
    {
      name: 'signUp?format=json (Bob, code_generator) → 201 otpauth URI',
      async run() {
        const { data, response } = await bob.client.api.POST('/api/v1/auth/signup', {
          params: { query: { format: 'json' } },
          body: {
            email: bob.email,
            password: PASSWORD,
            full_name: 'Bob',
            tfa_enabled: true,
            device: { device_type: 'code_generator' },
          },
        });
        check(response.status === 201 && typeof data === 'object' && 'otpauth_uri' in data, 'no otpauth URI');
        totp = OTPAuth.URI.parse(data.otpauth_uri) as OTPAuth.TOTP;
      },
    },
    {
      name: 'logIn (Bob) → 202, then logInWithCode → 200 session',
      async run() {
        const result = await bob.client.logIn(bob.email, PASSWORD);
        check(result.status === 'second_factor_required', 'expected the second-factor step');
        check(totp, 'no TOTP secret');
        await result.withCode(totp.generate());
        const user = bob.client.unwrap(await bob.client.api.GET('/api/v1/auth/test-token'));
        check(user.tfa_enabled && user.device?.device_type === 'code_generator', 'wrong user');
      },
    },
    {
      name: 'logIn (Bob) → 202, then logInWithBackupToken → 200 session',
      async run() {
        const result = await bob.client.logIn(bob.email, PASSWORD);
        check(result.status === 'second_factor_required', 'expected the second-factor step');
        const token = await waitForBackupToken(stack, bob.email, spentBackupTokens);
        spentBackupTokens.add(token);
        await result.withBackupToken(token);
        const status = bob.client.unwrap(await bob.client.api.GET('/api/v1/tfa/status'));
        check(
          status.backup_tokens_remaining === 4,
          `expected 4 backup tokens, got ${status.backup_tokens_remaining}`,
        );
      },
    },
    {
      name: 'enableTFA (Ada, email device) → 200',
      async run() {
        const result = ada.client.unwrap(
          await ada.client.api.PUT('/api/v1/tfa/enable_tfa', { body: { device_type: 'email' } }),
        );
        check(typeof result === 'object' && 'tfa_enabled' in result, 'TFA not enabled');
        check(result.device_type === 'email', 'wrong device');
      },
    },
    {
      name: 'a wrong second factor is an Edge2FAProblem with the service’s code',
      async run() {
        const result = await bob.client.logIn(bob.email, PASSWORD);
        check(result.status === 'second_factor_required', 'expected the second-factor step');
        const error = await result.withCode('000000').catch((e: unknown) => e);
        check(
          error instanceof Error &&
            'problem' in error &&
            (error.problem as { code: string }).code === 'totp_mismatch',
          `expected totp_mismatch, got ${String(error)}`,
        );
      },
    },
    {
      name: 'sendTestEmail → 200 task id, getTaskStatus → 200',
      async run() {
        taskId = ada.client.unwrap(await ada.client.api.GET('/api/v1/tasks/test-celery')).task_id;
        const status = ada.client.unwrap(
          await ada.client.api.GET('/api/v1/tasks/taskstatus', { params: { query: { task_id: taskId } } }),
        );
        check(status.task_id === taskId, 'wrong task');
      },
    },
    {
      name: 'logOut → 204, the session is forgotten',
      async run() {
        await bob.client.logOut();
        check(bob.client.session === undefined, 'the session was kept');
      },
    },
  ];
}

async function main(): Promise<number> {
  const stack = await startStack();
  let passed = 0;
  let failed = 0;
  try {
    for (const step of steps(stack)) {
      try {
        await step.run();
        passed += 1;
        console.log(`  ✓ ${step.name}`);
      } catch (error) {
        failed += 1;
        console.log(`  ✗ ${step.name}\n      ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await stack.stop();
  }
  console.log(`client session: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`client session failed to start: ${error instanceof Error ? error.message : String(error)}`);
  console.log('client session: 0 passed, 1 failed');
  return 1;
});
