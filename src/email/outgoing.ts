// Turns a validated queue message into the email a transport sends: rendered parts, sender from settings,
// and the headers that let a message be traced and deduplicated.
import type { EmailMessage } from './email.messages';
import { renderEmail } from './email.templates';
import type { OutgoingEmail } from './transports/transport';

export type Sender = { header: string; address: string; domain: string };

export const TASK_ID_HEADER = 'X-Task-Id';

// "edge-2fa <no-reply@example.com>" or "no-reply@example.com" → the header as given and its address.
export function parseSender(from: string): Sender | undefined {
  const trimmed = from.trim();
  if (/[\r\n]/.test(trimmed)) return undefined;
  const address = (trimmed.match(/<([^<>\s]+)>$/)?.[1] ?? trimmed).toLowerCase();
  const domain = address.match(/^[^@\s]+@([a-z0-9.-]+\.[a-z0-9-]+|localhost)$/)?.[1];
  return domain ? { header: trimmed, address, domain } : undefined;
}

// RFC 5322 §3.3 date-time; toUTCString() gives "Mon, 30 Nov 2026 07:12:44 GMT", and "+0000" is the
// non-obsolete spelling of GMT.
export function formatRFC5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export function composeEmail(
  message: EmailMessage,
  sender: Sender,
  options: { productName: string; languageTag: string | null; now: Date },
): OutgoingEmail {
  const rendered = renderEmail(message, options);
  return {
    taskId: message.task_id,
    kind: message.kind,
    from: sender.header,
    fromAddress: sender.address,
    to: message.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: [
      // One Message-ID per task (RFC 5322 §3.6.4), on the sender's domain: if a crash ever makes the
      // consumer send a task again, the copy carries the same id and mail systems can drop it as a duplicate.
      ['Message-ID', `<${message.task_id}@${sender.domain}>`],
      ['Date', formatRFC5322Date(options.now)],
      [TASK_ID_HEADER, message.task_id],
    ],
  };
}
