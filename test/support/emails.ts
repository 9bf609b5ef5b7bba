// Captures the emails the queue consumer prints (the fake email service's output) so tests can read the
// codes and backup tokens a person would read in the dev console.
import { vi } from 'vitest';

export type CapturedEmail = { to: string; subject: string; body: string; raw: string };

const captured: CapturedEmail[] = [];
// Every line the Worker logs (emails excluded), for the test that scans logs for secrets.
export const capturedLogLines: string[] = [];

// The console transport's print (src/email/transports/console.ts): a start line with the task id, header
// lines, a blank line, the text part with every line indented by two spaces, and an end line.
export function parsePrintedEmail(raw: string): CapturedEmail | undefined {
  const start = raw.match(/^----- email ([0-9a-f-]{36}) -----\n/);
  if (!start) return undefined;
  const [head = '', ...rest] = raw.slice(start[0].length).split('\n\n');
  const header = (name: string) => head.match(new RegExp(`^${name}: (.+)$`, 'm'))?.[1] ?? '';
  const body = rest
    .join('\n\n')
    .replace(new RegExp(`\n----- end email ${start[1]} -----$`), '')
    .split('\n')
    .map((line) => line.replace(/^ {2}/, ''))
    .join('\n');
  return { to: header('To'), subject: header('Subject'), body, raw };
}

export function startCapturingEmails(): void {
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      const email = typeof args[0] === 'string' ? parsePrintedEmail(args[0]) : undefined;
      if (email) captured.push(email);
      else capturedLogLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      original(...args);
    });
  }
}

export async function waitForEmail(
  to: string,
  subjectIncludes: string,
  timeoutMs = 10_000,
): Promise<CapturedEmail> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const email = captured.find((e) => e.to === to && e.subject.includes(subjectIncludes));
    if (email) {
      captured.splice(captured.indexOf(email), 1);
      return email;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No email "${subjectIncludes}" to ${to} within ${timeoutMs} ms`);
}

export function backupTokensIn(email: CapturedEmail): string[] {
  return email.body.split('\n').filter((line) => /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(line));
}

export function loginCodeIn(email: CapturedEmail): string {
  const code = email.body.split('\n').find((line) => /^\d{6}$/.test(line));
  if (!code) throw new Error('No code in the email');
  return code;
}

export function resetTokenIn(email: CapturedEmail): string {
  const token = email.body.split('\n').find((line) => /^[A-Za-z0-9_-]{43}$/.test(line));
  if (!token) throw new Error('No reset token in the email');
  return token;
}

export function verificationTokenIn(email: CapturedEmail): string {
  const token = email.body.split('\n').find((line) => /^[A-Za-z0-9_-]{43}$/.test(line));
  if (!token) throw new Error('No verification token in the email');
  return token;
}

export async function readVerificationToken(to: string): Promise<string> {
  return verificationTokenIn(await waitForEmail(to, 'Verify your edge-2fa email'));
}
