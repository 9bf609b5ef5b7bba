import type { EmailMessage } from './email.messages';

export type RenderedEmail = { subject: string; body: string };

// Plain-text bodies; each code or token on its own line so it can be copied without surrounding text.
export function renderEmail(message: EmailMessage): RenderedEmail {
  switch (message.kind) {
    case 'test':
      return {
        subject: 'edge-2fa test email',
        body: 'This is a test email from edge-2fa. The email pipeline works.',
      };
    case 'backup_tokens':
      return {
        subject: 'Your edge-2fa backup tokens',
        body: [
          `Hello ${message.full_name},`,
          '',
          'Two-factor authentication is now enabled on your account.',
          `Keep these ${message.tokens.length} backup tokens somewhere safe. Each works once, if you lose your second factor:`,
          '',
          ...message.tokens,
          '',
          'They are shown only in this email and cannot be recovered.',
        ].join('\n'),
      };
    case 'login_code':
      return {
        subject: 'Your edge-2fa login code',
        body: [
          `Hello ${message.full_name},`,
          '',
          `Your login code, valid for ${message.expires_in_minutes} minutes and usable once:`,
          '',
          message.code,
          '',
          'If you did not try to log in, change your password.',
        ].join('\n'),
      };
  }
}
