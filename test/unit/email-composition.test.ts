// Pure pieces of email composition: language negotiation, the MIME message (read back with postal-mime),
// dot-stuffing, sender parsing, and the refusal of header injection.
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { languageFor, negotiateLanguageTag } from '../../src/email/locales';
import { buildMIMEMessage, encodeHeaderText } from '../../src/email/mime';
import { composeEmail, formatRFC5322Date, parseSender } from '../../src/email/outgoing';
import { dotStuff } from '../../src/email/transports/smtp-client';
import { DeliveryError } from '../../src/email/transports/transport';

describe('negotiateLanguageTag (RFC 9110 §12.5.4)', () => {
  it('picks the most preferred range that has a language file, by q-value then order', () => {
    expect(negotiateLanguageTag('ja;q=0.5, de-AT, en;q=0.8')).toBe('de-AT');
    expect(negotiateLanguageTag('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7')).toBe('en');
    expect(negotiateLanguageTag('en-GB,en;q=0.9')).toBe('en-GB');
  });

  it('keeps the most preferred tag when no language matches, and skips wildcards, q=0 and junk', () => {
    expect(negotiateLanguageTag('ja, ko;q=0.5')).toBe('ja');
    expect(negotiateLanguageTag('*, de;q=0')).toBeNull();
    expect(negotiateLanguageTag('<script>, x')).toBeNull();
    expect(negotiateLanguageTag(undefined)).toBeNull();
  });

  it('renders by primary subtag, English when unknown', () => {
    expect(languageFor('de-AT').tag).toBe('de');
    expect(languageFor('ja').tag).toBe('en');
    expect(languageFor(null).tag).toBe('en');
  });
});

describe('parseSender', () => {
  it('reads "Name <address>" and a bare address, and refuses line breaks and missing domains', () => {
    expect(parseSender('Edge <no-reply@Mail.Example.com>')).toEqual({
      header: 'Edge <no-reply@Mail.Example.com>',
      address: 'no-reply@mail.example.com',
      domain: 'mail.example.com',
    });
    expect(parseSender('no-reply@example.com')?.domain).toBe('example.com');
    expect(parseSender('Edge <no-reply@example.com>\r\nBcc: x@evil.example')).toBeUndefined();
    expect(parseSender('no-reply')).toBeUndefined();
  });
});

describe('buildMIMEMessage', () => {
  const sender = {
    header: 'Zürich Sécurité <no-reply@example.com>',
    address: 'no-reply@example.com',
    domain: 'example.com',
  };
  const message = {
    v: 1 as const,
    kind: 'password_reset_requested' as const,
    task_id: '2b1a4f0e-0d6f-4c1e-9d38-5d5f1c7e8a90',
    to: 'ada@example.com',
    full_name: 'Ada Lovelace',
    token: 'q8Vw3nXk0bT4rY7uPzL2sA9dF6gH1jK5',
    expires_in_minutes: 30,
  };

  it('is read back by a MIME parser: encoded non-ASCII headers, both parts, Message-ID on the sender domain', async () => {
    const now = new Date('2026-11-30T07:12:44Z');
    const email = composeEmail(message, sender, { productName: 'Prüfdienst', languageTag: 'de', now });
    const parsed = await PostalMime.parse(buildMIMEMessage(email));
    expect(parsed.subject).toBe('Ihr Prüfdienst Passwort zurücksetzen');
    expect(parsed.from).toMatchObject({ name: 'Zürich Sécurité', address: 'no-reply@example.com' });
    expect(parsed.messageId).toBe(`<${message.task_id}@example.com>`);
    expect(parsed.date).toBe(now.toISOString());
    expect(parsed.text).toContain('Hallo Ada Lovelace,');
    expect(parsed.text?.split('\n')).toContain(message.token);
    expect(parsed.html).toContain('<html lang="de">');
    expect(formatRFC5322Date(now)).toBe('Mon, 30 Nov 2026 07:12:44 +0000');
  });

  it('keeps encoded words under 76 characters', () => {
    for (const word of encodeHeaderText('Ä'.repeat(100)).split('\r\n ')) expect(word.length).toBeLessThan(76);
  });

  it('cannot be made to carry an extra header (header injection)', async () => {
    const email = composeEmail(message, sender, { productName: 'Edge', languageTag: null, now: new Date() });
    // Text headers are encoded, so a line break stays inside the subject.
    const parsed = await PostalMime.parse(
      buildMIMEMessage({ ...email, subject: 'Hi\r\nBcc: all@example.com' }),
    );
    expect(parsed.headers.find((h) => h.key === 'bcc')).toBeUndefined();
    // Address headers cannot be encoded: a line break there is refused, permanently.
    expect(() => buildMIMEMessage({ ...email, to: 'ada@example.com\r\nBcc: all@example.com' })).toThrow(
      DeliveryError,
    );
  });
});

describe('dotStuff (RFC 5321 §4.5.2)', () => {
  it('doubles a leading dot on every line, so a line "." cannot end DATA early', () => {
    expect(dotStuff('.hidden\r\nok\r\n.\r\n..x')).toBe('..hidden\r\nok\r\n..\r\n...x');
  });
});
