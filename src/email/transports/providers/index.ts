import type { HTTPEmailProvider } from './provider';
import { resend } from './resend';

export const HTTP_EMAIL_PROVIDERS: Record<string, HTTPEmailProvider> = { resend };
