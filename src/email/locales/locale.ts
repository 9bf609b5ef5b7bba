// What one language supplies: a subject and content blocks for every kind of email. The mapped type makes
// the compiler refuse a language that forgets a kind, so a new kind cannot ship untranslated.
import type { EmailKind, EmailMessage } from '../email.messages';

// A paragraph of prose, or values the reader must copy exactly (codes, tokens): each on its own line in the
// text part and in a monospace box in the HTML part, so selecting one never picks up surrounding words.
export type ContentBlock = { paragraph: string } | { copyable: string[] };

export type EmailContent = { subject: string; greeting: string | null; blocks: ContentBlock[] };

export type KindRenderer<K extends EmailKind> = (
  message: Extract<EmailMessage, { kind: K }>,
  productName: string,
) => EmailContent;

export type EmailLanguage = {
  // BCP 47 primary language subtag (RFC 5646 §2.2.1), lower-case: "en", "de".
  tag: string;
  // Shown under every email; says why the reader got it and that nothing here needs a click.
  footer: (productName: string) => string;
  kinds: { [K in EmailKind]: KindRenderer<K> };
};

export const paragraph = (text: string): ContentBlock => ({ paragraph: text });
export const copyable = (values: string[]): ContentBlock => ({ copyable: values });

// "2026-11-30 07:12:44 UTC": unambiguous in every language, no locale data needed in the Worker.
export function formatUTC(isoDateTime: string): string {
  return `${isoDateTime.slice(0, 19).replace('T', ' ')} UTC`;
}
