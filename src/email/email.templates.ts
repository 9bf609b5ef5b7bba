// One template per kind (in each language file under ./locales), rendered into the two parts every email
// carries: plain text, and HTML with inline styles only (no remote images, fonts or stylesheets, so
// nothing is fetched when the email is opened and nothing tells a sender that it was).
import type { EmailMessage } from './email.messages';
import { languageFor } from './locales';
import type { ContentBlock, EmailContent } from './locales/locale';

export type RenderedEmail = { subject: string; text: string; html: string; languageTag: string };

export type RenderOptions = { productName: string; languageTag: string | null };

export function renderEmail(message: EmailMessage, options: RenderOptions): RenderedEmail {
  const language = languageFor(options.languageTag);
  const render = language.kinds[message.kind] as (m: EmailMessage, product: string) => EmailContent;
  const content = render(message, options.productName);
  const footer = language.footer(options.productName);
  return {
    subject: content.subject,
    text: renderText(content, footer),
    html: renderHTML(content, footer, language.tag),
    languageTag: language.tag,
  };
}

function renderText(content: EmailContent, footer: string): string {
  const blocks = content.blocks.map((block) =>
    'copyable' in block ? block.copyable.join('\n') : block.paragraph,
  );
  return [...(content.greeting ? [content.greeting] : []), ...blocks, '--', footer].join('\n\n');
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

const PARAGRAPH_STYLE =
  'margin:0 0 16px;font:16px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
// Monospace, large, letter-spaced and selectable as a unit: easy to read aloud and to copy without neighbours.
const COPYABLE_STYLE =
  'margin:0 0 8px;padding:8px 12px;background:#f3f4f6;border-radius:4px;font:20px/1.4 ui-monospace,Menlo,Consolas,monospace;letter-spacing:2px;user-select:all';

function blockHTML(block: ContentBlock): string {
  if ('copyable' in block) {
    const values = block.copyable.map((value) => `<div style="${COPYABLE_STYLE}">${escapeHTML(value)}</div>`);
    return `<div style="margin:0 0 16px">${values.join('')}</div>`;
  }
  return `<p style="${PARAGRAPH_STYLE}">${escapeHTML(block.paragraph)}</p>`;
}

function renderHTML(content: EmailContent, footer: string, languageTag: string): string {
  const greeting = content.greeting
    ? `<p style="${PARAGRAPH_STYLE}">${escapeHTML(content.greeting)}</p>`
    : '';
  return [
    '<!doctype html>',
    `<html lang="${languageTag}"><head><meta charset="utf-8"><title>${escapeHTML(content.subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#ffffff;color:#111827">',
    '<div style="max-width:560px;margin:0 auto">',
    greeting,
    ...content.blocks.map(blockHTML),
    `<p style="margin:24px 0 0;font:13px/1.5 sans-serif;color:#6b7280">${escapeHTML(footer)}</p>`,
    '</div></body></html>',
  ].join('\n');
}
