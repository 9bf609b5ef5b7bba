// Runs the README's curl session for real, in order, against a private stack, so the front door never shows
// a command that does not work. Every command in a ```sh block that calls $API runs verbatim through bash and
// curl (only `-o <file> -w '%{http_code}'` are added); the script supplies what a reader would paste in:
//   $API                 the stack's /api/v1 URL
//   $ACCESS, $REFRESH    from the last 200 password login or refresh (the README's "session" user)
//   $PRE_TFA             from the last 202 login; single-use, so a spent one is renewed by re-running that login
//   $TASK                from GET /tasks/test-celery
//   $VERIFY              the verification token from the email the Worker printed for the last plain signup
//   123456               a current TOTP code from the otpauth URI a `?format=json` signup returned
//   K7QM-2XWD-9RTA       an unused backup token from the email the Worker printed for that user
// The expected status is a `# → NNN` comment on the line after a command, else EXPECTED_STATUS below
// (202 for a password login of the TFA account).
// Usage: node tools/e2e/readme-examples.ts [markdown file, default README.md]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as OTPAuth from 'otpauth';
import { runOriginalReadme } from './original-readme.ts';
import { type Stack, startStack } from './stack.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const README_PATH = process.argv[2] ?? join(ROOT, 'README.md');
const TOTP_PLACEHOLDER = '123456';
const BACKUP_TOKEN_PLACEHOLDER = 'K7QM-2XWD-9RTA';
const CURL_TIMEOUT_SECONDS = 30;
const EMAIL_WAIT_MS = 30_000;

// Keyed by method and path (without the query). A password login of the TFA account answers 202 instead.
const EXPECTED_STATUS: Record<string, number> = {
  'POST /auth/signup': 201,
  'POST /auth/login': 200,
  'GET /auth/test-token': 200,
  'POST /auth/refresh': 200,
  'POST /tfa/login_tfa': 200,
  'POST /tfa/recover_tfa': 200,
  'GET /tfa/get_my_qrcode': 200,
  'PUT /tfa/enable_tfa': 200,
  'GET /users/users': 403,
  'GET /tasks/test-celery': 200,
  'GET /tasks/taskstatus': 200,
  'POST /auth/email/verify': 200,
  'POST /auth/email/verify/resend': 202,
};

type Example = { command: string; route: string; annotatedStatus?: number };
type Outcome = { status: number; body: string };
type Json = Record<string, unknown>;

// ```sh blocks → logical lines (backslash continuations joined) → commands split on unquoted `;`.
export function extractExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    const lines = (block[1] ?? '').replace(/\\\n\s*/g, ' ').split('\n');
    for (const line of lines.map((l) => l.trim())) {
      const annotation = line.match(/^#\s*→\s*(\d{3})\b/);
      const previous = examples.at(-1);
      if (annotation && previous) previous.annotatedStatus = Number(annotation[1]);
      if (line.startsWith('#')) continue;
      for (const command of splitUnquoted(line, ';')) {
        if (command.startsWith('curl ') && command.includes('$API')) {
          examples.push({ command, route: describeRoute(command) });
        }
      }
    }
  }
  return examples;
}

function splitUnquoted(line: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const character = line[i] as string;
    if (character === '\\' && quote !== "'") {
      current += character + (line[i + 1] ?? '');
      i += 1;
    } else if (quote) {
      if (character === quote) quote = undefined;
      current += character;
    } else if (character === '"' || character === "'") {
      quote = character;
      current += character;
    } else if (character === separator) {
      parts.push(current.trim());
      current = '';
    } else current += character;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

function describeRoute(command: string): string {
  const explicit = command.match(/(?:^|\s)-X\s+([A-Z]+)/)?.[1];
  // curl switches to POST when given a body.
  const method = explicit ?? (/(?:^|\s)(?:-d|--data\S*)\s/.test(command) ? 'POST' : 'GET');
  const path = command.match(/\$API(\/[^\s"'?]*)/)?.[1] ?? '?';
  return `${method} ${path}`;
}

const execFileAsync = promisify(execFile);

export async function runCurl(
  example: Pick<Example, 'command'>,
  env: Record<string, string>,
  outFile: string,
  cwd?: string,
): Promise<Outcome> {
  // Only our output flags are added: the rest is the README's command as a reader would paste it.
  const command = example.command.replace(
    /^curl /,
    `curl -o "$E2E_OUT" -w '%{http_code}' --max-time ${CURL_TIMEOUT_SECONDS} `,
  );
  rmSync(outFile, { force: true });
  const { stdout } = await execFileAsync('bash', ['-c', command], {
    env: { ...process.env, ...env, E2E_OUT: outFile },
    cwd,
  });
  let body = '';
  try {
    body = readFileSync(outFile, 'utf8');
  } catch {}
  return { status: Number(stdout.trim()), body };
}

function parseJson(body: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch {
    return {};
  }
}

// The console transport prints each email between `----- email <task id> -----` and
// `----- end email <task id> -----` (src/email/transports/console.ts); tokens and codes are alone on their lines.
function findEmailLines(output: string, email: string, line: RegExp): string[] {
  const found: string[] = [];
  for (const match of output.matchAll(
    /----- email (\S+) -----\n([\s\S]*?)\n[^\n]*----- end email \1 -----/g,
  )) {
    const text = match[2] ?? '';
    if (!new RegExp(`^\\s*To: ${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'mi').test(text))
      continue;
    found.push(...(text.match(line) ?? []).map((t) => t.trim()));
  }
  return found;
}

const BACKUP_TOKEN_LINE = /^\s*[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\s*$/gm;
// 256 bits as base64url: 43 characters.
const VERIFICATION_TOKEN_LINE = /^\s*[A-Za-z0-9_-]{43}\s*$/gm;

function findBackupTokens(output: string, email: string): string[] {
  return findEmailLines(output, email, BACKUP_TOKEN_LINE);
}

async function waitForVerificationToken(stack: Stack, email: string): Promise<string> {
  const deadline = Date.now() + EMAIL_WAIT_MS;
  while (Date.now() < deadline) {
    const token = findEmailLines(stack.output(), email, VERIFICATION_TOKEN_LINE).at(-1);
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no verification email for ${email} in the Worker's output`);
}

export async function waitForBackupToken(stack: Stack, email: string, spent: Set<string>): Promise<string> {
  const deadline = Date.now() + EMAIL_WAIT_MS;
  while (Date.now() < deadline) {
    const token = findBackupTokens(stack.output(), email).find((t) => !spent.has(t));
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no backup-token email for ${email} in the Worker's output`);
}

type Session = {
  vars: Record<string, string>;
  totp?: OTPAuth.TOTP;
  tfaEmail?: string;
  // The last account signed up without TFA (the README's session user), whose verification token $VERIFY is.
  plainSignupEmail?: string;
  preTFASpent: boolean;
  preTFALogin?: Example;
  spentBackupTokens: Set<string>;
};

// Reads what later commands need from a response, as a reader copying values from the terminal would.
function remember(session: Session, example: Example, outcome: Outcome): void {
  const body = parseJson(outcome.body);
  const [method, path] = example.route.split(' ');
  if ((path === '/auth/login' || path === '/auth/refresh') && outcome.status === 200) {
    session.vars.ACCESS = String(body.access_token);
    session.vars.REFRESH = String(body.refresh_token);
  }
  if (path === '/auth/login' && outcome.status === 202) {
    session.vars.PRE_TFA = String(body.access_token);
    session.preTFASpent = false;
    session.preTFALogin = example;
  }
  if ((path === '/tfa/login_tfa' || path === '/tfa/recover_tfa') && outcome.status === 200) {
    session.preTFASpent = true;
  }
  if (method === 'POST' && path === '/auth/signup' && typeof body.otpauth_uri === 'string') {
    session.totp = OTPAuth.URI.parse(body.otpauth_uri) as OTPAuth.TOTP;
    session.tfaEmail = String((body.user as Json | undefined)?.email);
  }
  if (path === '/tasks/test-celery' && typeof body.task_id === 'string') session.vars.TASK = body.task_id;
  if (
    method === 'POST' &&
    path === '/auth/signup' &&
    outcome.status === 201 &&
    typeof body.email === 'string'
  ) {
    session.plainSignupEmail = body.email;
  }
}

async function prepare(session: Session, stack: Stack, example: Example): Promise<Example> {
  let command = example.command;
  if (command.includes(TOTP_PLACEHOLDER)) {
    if (!session.totp) throw new Error('no otpauth URI yet: a `?format=json` signup must come first');
    command = command.replaceAll(TOTP_PLACEHOLDER, session.totp.generate());
  }
  if (command.includes(BACKUP_TOKEN_PLACEHOLDER)) {
    if (!session.tfaEmail) throw new Error('no TFA user yet: a `?format=json` signup must come first');
    const token = await waitForBackupToken(stack, session.tfaEmail, session.spentBackupTokens);
    session.spentBackupTokens.add(token);
    command = command.replaceAll(BACKUP_TOKEN_PLACEHOLDER, token);
  }
  if (command.includes('$VERIFY')) {
    if (!session.plainSignupEmail) throw new Error('no signup yet: $VERIFY needs one first');
    session.vars.VERIFY = await waitForVerificationToken(stack, session.plainSignupEmail);
  }
  for (const name of command.matchAll(/\$([A-Z_]+)/g)) {
    if (name[1] !== 'API' && name[1] !== 'E2E_OUT' && !session.vars[name[1] as string]) {
      throw new Error(`$${name[1]} is not set by any earlier example`);
    }
  }
  return { ...example, command };
}

function expectedStatus(session: Session, example: Example): number | undefined {
  if (example.annotatedStatus) return example.annotatedStatus;
  const logsInTFAUser =
    example.route === 'POST /auth/login' &&
    session.tfaEmail !== undefined &&
    example.command.includes(`username=${session.tfaEmail}&`);
  return logsInTFAUser ? 202 : EXPECTED_STATUS[example.route];
}

async function main(): Promise<number> {
  const examples = extractExamples(readFileSync(README_PATH, 'utf8'));
  if (examples.length === 0) throw new Error(`${README_PATH} has no sh-fenced curl examples calling $API`);
  const stack = await startStack();
  const workDir = mkdtempSync(join(tmpdir(), 'edge-2fa-readme-'));
  const outFile = join(workDir, 'body');
  const session: Session = { vars: { API: stack.apiUrl }, preTFASpent: false, spentBackupTokens: new Set() };
  let passed = 0;
  let failed = 0;

  const runOne = async (example: Example, label: string): Promise<boolean> => {
    const expected = expectedStatus(session, example);
    try {
      if (expected === undefined)
        throw new Error(`no expected status: add it to EXPECTED_STATUS or a # → NNN`);
      const outcome = await runCurl(await prepare(session, stack, example), session.vars, outFile);
      if (outcome.status !== expected) {
        throw new Error(`expected ${expected}, got ${outcome.status}: ${outcome.body.slice(0, 300)}`);
      }
      remember(session, example, outcome);
      passed += 1;
      console.log(`  ✓ ${outcome.status} ${label}`);
      return true;
    } catch (error) {
      failed += 1;
      console.log(`  ✗ ${label}\n      ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };

  try {
    for (const example of examples) {
      // A pre-TFA token works once; when the README reuses a spent one, log in again as a reader would.
      if (example.command.includes('$PRE_TFA') && session.preTFASpent && session.preTFALogin) {
        await runOne(session.preTFALogin, `${session.preTFALogin.route} (again: the pre-TFA token is spent)`);
      }
      await runOne(example, example.route);
    }
    console.log('the original fastapi_2fa README (tools/e2e/fastapi-2fa-readme-curl.md):');
    const original = await runOriginalReadme(stack, workDir);
    passed += original.passed;
    failed += original.failed;
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  console.log(`readme examples: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  process.exitCode = await main().catch((error: unknown) => {
    console.error(
      `readme examples failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.log('readme examples: 0 passed, 1 failed');
    return 1;
  });
}
