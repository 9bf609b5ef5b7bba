// Attack: a full_name with line breaks that forges a whole email in the dev console. The console transport
// is the "mailbox" of `npm run dev`; the original printed fields raw, so a name like
//   "Eve\n----- end email -----\n----- email -----\nFrom: it@bank.example\nTo: victim@…\nSubject: …"
// ended the real email early and printed a second, fake one from a sender of the attacker's choosing.
// Names are being refused at signup separately; the print must be safe whatever reaches it: every body
// line is indented, frame lines carry the task id, and control, bidi and separator characters are escaped.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { createEmailConsumer } from '../../src/email/email.consumer';
import { createConsoleTransport } from '../../src/email/transports/console';
import { parsePrintedEmail } from '../support/emails';

it('a full_name cannot end the printed email or start a forged one in the console', async () => {
  const taskId = crypto.randomUUID();
  // The worst case: the attacker even guesses the task id, and adds Unicode line separators, a terminal
  // escape that would clear the screen, and a right-to-left override.
  const forged = [
    'Eve',
    `----- end email ${taskId} -----`,
    `----- email ${taskId} -----`,
    'From: IT Security <it@bank.example>',
    'To: victim@example.com',
    'Subject: Your login code',
    '',
    '000000\u2028----- email -----\rFrom: ceo@bank.example\u001b[2J\u202Egnp.exe',
  ].join('\n');
  const printed: string[] = [];
  const batch = createMessageBatch('edge-2fa-email', [
    {
      id: 'forgery',
      timestamp: new Date(),
      attempts: 1,
      body: {
        v: 1,
        kind: 'login_code',
        task_id: taskId,
        to: 'eve@example.com',
        full_name: forged,
        code: '123456',
        expires_in_minutes: 10,
      },
    },
  ]);
  const ctx = createExecutionContext();
  await createEmailConsumer({ transportFor: () => createConsoleTransport((text) => printed.push(text)) })(
    batch,
    env,
  );
  expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['forgery']);

  expect(printed).toHaveLength(1);
  const lines = (printed[0] ?? '').split('\n');
  // One frame, opening on the first line and closing on the last; nothing else starts at column 0
  // except the real headers and blank lines.
  expect(lines.filter((l) => l.startsWith('----- '))).toEqual([
    `----- email ${taskId} -----`,
    `----- end email ${taskId} -----`,
  ]);
  expect(lines[0]).toBe(`----- email ${taskId} -----`);
  expect(lines.at(-1)).toBe(`----- end email ${taskId} -----`);
  const columnZero = lines.slice(1, -1).filter((l) => l !== '' && !l.startsWith('  '));
  expect(columnZero.map((l) => l.split(':')[0])).toEqual([
    'From',
    'To',
    'Subject',
    'Message-ID',
    'Date',
    'X-Task-Id',
  ]);
  expect(lines.filter((l) => /^(From|To|Subject):/.test(l))).toEqual([
    'From: edge-2fa <no-reply@edge-2fa.local>',
    'To: eve@example.com',
    'Subject: Your edge-2fa login code',
  ]);
  // The dangerous characters are shown, not obeyed.
  const output = printed[0] ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the test.
  expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029\u202e]/);
  expect(output).toContain('\\u{1b}[2J');
  expect(output).toContain('\\u{202e}');
  // And the dev tooling that reads the console still sees one email, to Eve, with the real code.
  const parsed = parsePrintedEmail(output);
  expect(parsed?.to).toBe('eve@example.com');
  expect(parsed?.body.split('\n')).toContain('123456');
  // The forged lines are still there, as what they are: text inside Eve's greeting, indented.
  expect(lines).toContain('  ----- email -----');
  expect(lines).toContain('  From: ceo@bank.example\\u{1b}[2J\\u{202e}gnp.exe,');
});
