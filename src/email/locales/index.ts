// The languages emails are written in, and how a user's language is chosen. Adding a language is adding its
// file next to this one and its name to LANGUAGES.
import { de } from './de';
import { en } from './en';
import type { EmailLanguage } from './locale';

const LANGUAGES: readonly EmailLanguage[] = [en, de];
export const DEFAULT_LANGUAGE = en;
export const SUPPORTED_LANGUAGE_TAGS = LANGUAGES.map((language) => language.tag);

// RFC 5646 language tag, loosely: a 2–3 letter language and up to a few subtags ("de", "pt-BR", "zh-Hant-TW").
export const LANGUAGE_TAG_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/;

const primarySubtag = (tag: string) => tag.split('-')[0]?.toLowerCase() ?? '';

// The language an email is written in: the user's stored tag by its primary subtag (de-AT → de), else English.
export function languageFor(tag: string | null | undefined): EmailLanguage {
  if (!tag) return DEFAULT_LANGUAGE;
  const primary = primarySubtag(tag);
  return LANGUAGES.find((language) => language.tag === primary) ?? DEFAULT_LANGUAGE;
}

const MAX_ACCEPT_LANGUAGE_ENTRIES = 20;

// The tag to store for a user from a signup's Accept-Language (RFC 9110 §12.5.4): the most preferred range
// we have a language for; otherwise the most preferred one anyway, so a later language file applies to the
// users who asked for it. Wildcards and malformed ranges are skipped; null when nothing usable is left.
export function negotiateLanguageTag(acceptLanguage: string | null | undefined): string | null {
  if (!acceptLanguage) return null;
  const ranges = acceptLanguage
    .split(',')
    .slice(0, MAX_ACCEPT_LANGUAGE_ENTRIES)
    .map((entry, index) => {
      const [range = '', ...params] = entry.trim().split(';');
      const q = params.map((p) => p.trim().match(/^q=([01](\.\d{0,3})?)$/i)?.[1]).find(Boolean);
      return { tag: range.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0 && LANGUAGE_TAG_PATTERN.test(r.tag))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const supported = ranges.find((r) => SUPPORTED_LANGUAGE_TAGS.includes(primarySubtag(r.tag)));
  return (supported ?? ranges[0])?.tag ?? null;
}
