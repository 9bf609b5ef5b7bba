// Builds the RFC 5322 / MIME form of an email (used by the SMTP and the send_email transports):
// multipart/alternative with a text and an HTML part (RFC 2046 §5.1.4, plainest first), both UTF-8 in
// base64, headers non-ASCII-safe through RFC 2047 encoded-words. Lines end in CRLF.
import { type OutgoingEmail, permanentFailure } from './transports/transport';

const encoder = new TextEncoder();

function base64OfUTF8(text: string): string {
  let binary = '';
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// RFC 2045 §6.8: encoded lines are at most 76 characters.
function wrapBase64(text: string): string {
  return (base64OfUTF8(text).match(/.{1,76}/g) ?? []).join('\r\n');
}

// RFC 2047 encoded-words, each under 75 characters, split on character (not byte) boundaries.
export function encodeHeaderText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (encoder.encode(chunk + char).length > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${base64OfUTF8(word)}?=`).join('\r\n ');
}

// "Display Name <address>" with the name encoded when needed, so the From header stays valid ASCII.
function encodeMailbox(header: string): string {
  const match = header.match(/^(.*?)\s*<([^<>]+)>$/);
  if (!match) return header;
  const [, name = '', address] = match;
  const bare = name.replace(/^"(.*)"$/, '$1');
  if (!bare) return `<${address}>`;
  const display = /^[\x20-\x7e]*$/.test(bare)
    ? `"${bare.replace(/["\\]/g, '\\$&')}"`
    : encodeHeaderText(bare);
  return `${display} <${address}>`;
}

function assertHeaderSafe(name: string, value: string): void {
  // A CR or LF in a value would start a new header or the body (header injection).
  if (/[\r\n]/.test(value)) throw permanentFailure(`header ${name} contains a line break`);
}

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  // "=_" cannot occur in base64 text, so the boundary can never collide with a part's content.
  return `=_part_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function buildMIMEMessage(email: OutgoingEmail): string {
  const boundary = randomBoundary();
  const headers: [string, string][] = [
    ['From', encodeMailbox(email.from)],
    ['To', email.to],
    ['Subject', encodeHeaderText(email.subject)],
    ...email.headers,
    ['MIME-Version', '1.0'],
    ['Content-Type', `multipart/alternative; boundary="${boundary}"`],
  ];
  for (const [name, value] of headers) assertHeaderSafe(name, value.replace(/\r\n /g, ''));
  const part = (type: string, content: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=utf-8`,
      'Content-Transfer-Encoding: base64',
      '',
      wrapBase64(content),
    ].join('\r\n');
  return [
    ...headers.map(([name, value]) => `${name}: ${value}`),
    '',
    part('text/plain', email.text),
    part('text/html', email.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
