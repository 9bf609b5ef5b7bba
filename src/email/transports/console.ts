// The default transport: prints the text part to the Worker's console, the "mailbox" of `npm run dev`.
// The print is built so that nothing a user wrote can forge another email in it: every body line is
// indented (only the frame lines start at column 0), frame lines carry the task id, and control, bidi and
// line-separator characters in any field are shown as escapes (a full_name once forged a whole email here).
import type { EmailTransport, OutgoingEmail } from './transport';

const BODY_INDENT = '  ';
const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029\u0085]/;
// C0/C1 controls (except none: tabs included, since they can shift text in a terminal), DEL, and the
// bidirectional overrides and isolates that reorder what a terminal shows (Trojan Source, CVE-2021-42574).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeForConsole(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`);
}

export function emailStartLine(taskId: string): string {
  return `----- email ${taskId} -----`;
}

export function emailEndLine(taskId: string): string {
  return `----- end email ${taskId} -----`;
}

export function formatEmailForConsole(email: OutgoingEmail): string {
  const header = (name: string, value: string) =>
    `${name}: ${escapeForConsole(value.split(LINE_BREAKS).join(' '))}`;
  const body = email.text
    .split(LINE_BREAKS)
    .map((line) => (line === '' ? '' : BODY_INDENT + escapeForConsole(line)));
  return [
    emailStartLine(email.taskId),
    header('From', email.from),
    header('To', email.to),
    header('Subject', email.subject),
    ...email.headers.map(([name, value]) => header(name, value)),
    '',
    ...body,
    emailEndLine(email.taskId),
  ].join('\n');
}

export function createConsoleTransport(print: (text: string) => void = console.log): EmailTransport {
  return {
    name: 'console',
    async send(email: OutgoingEmail) {
      print(formatEmailForConsole(email));
    },
  };
}
