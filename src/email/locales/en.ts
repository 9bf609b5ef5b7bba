// English: the default language, used when a user's locale is unknown or has no file.
import { copyable, type EmailContent, type EmailLanguage, formatUTC, paragraph } from './locale';

const NOT_YOU = 'If this was not you, reset your password at once and review your two-factor settings.';

function notice(name: string, subject: string, lines: string[], occurredAt: string): EmailContent {
  return {
    subject,
    greeting: `Hello ${name},`,
    blocks: [...lines.map(paragraph), paragraph(`When: ${formatUTC(occurredAt)}`), paragraph(NOT_YOU)],
  };
}

function signedOut(count: number, sentence: string): string {
  return count === 0 ? 'No other session was signed in.' : `${sentence} (${count}).`;
}

export const en: EmailLanguage = {
  tag: 'en',
  footer: (product) => `This email was sent by ${product} because of activity on your account.`,
  kinds: {
    test: (_m, product) => ({
      subject: `${product} test email`,
      greeting: null,
      blocks: [paragraph(`This is a test email from ${product}. The email pipeline works.`)],
    }),
    backup_tokens: (m, product) => ({
      subject: `Your ${product} backup tokens`,
      greeting: `Hello ${m.full_name},`,
      blocks: [
        paragraph('Two-factor authentication is now enabled on your account.'),
        paragraph(
          `Keep these ${m.tokens.length} backup tokens somewhere safe. Each works once, if you lose your second factor:`,
        ),
        copyable(m.tokens),
        paragraph('They are shown only in this email and cannot be recovered.'),
      ],
    }),
    login_code: (m, product) => ({
      subject: `Your ${product} login code`,
      greeting: `Hello ${m.full_name},`,
      blocks: [
        paragraph(`Your login code, valid for ${m.expires_in_minutes} minutes and usable once:`),
        copyable([m.code]),
        paragraph('If you did not try to log in, change your password.'),
      ],
    }),
    password_reset_requested: (m, product) => ({
      subject: `Reset your ${product} password`,
      greeting: `Hello ${m.full_name},`,
      blocks: [
        paragraph(
          `Someone asked to reset the password of your account. This reset token works once, for ${m.expires_in_minutes} minutes:`,
        ),
        copyable([m.token]),
        paragraph('Send it with your new password to POST /api/v1/auth/password/reset.'),
        paragraph('If you did not ask for this, ignore this email: your password stays as it is.'),
      ],
    }),
    email_verification: (m, product) => ({
      subject: `Verify your ${product} email address`,
      greeting: `Hello ${m.full_name},`,
      blocks: [
        paragraph(
          `Please confirm that this address is yours. This verification token works once, for ${m.expires_in_hours} hours:`,
        ),
        copyable([m.token]),
        paragraph('Send it to POST /api/v1/auth/email/verify as {"token": "…"}.'),
        paragraph('If you did not create an account, ignore this email.'),
      ],
    }),
    backup_tokens_regenerated: (m, product) => ({
      subject: `Your new ${product} backup tokens`,
      greeting: `Hello ${m.full_name},`,
      blocks: [
        paragraph(
          `Your backup tokens were replaced. The old ones no longer work. Keep these ${m.tokens.length} somewhere safe; each works once:`,
        ),
        copyable(m.tokens),
        paragraph('They are shown only in this email and cannot be recovered.'),
        paragraph(NOT_YOU),
      ],
    }),
    password_changed: (m, product) =>
      notice(
        m.full_name,
        `Your ${product} password was changed`,
        [
          'The password of your account was changed.',
          signedOut(m.revoked_sessions, 'Your other sessions were signed out'),
        ],
        m.occurred_at,
      ),
    password_reset: (m, product) =>
      notice(
        m.full_name,
        `Your ${product} password was reset`,
        [
          'The password of your account was reset with an emailed reset token.',
          signedOut(m.revoked_sessions, 'Every session was signed out'),
        ],
        m.occurred_at,
      ),
    tfa_enabled: (m, product) =>
      notice(
        m.full_name,
        `Two-factor authentication was enabled on your ${product} account`,
        [
          `Two-factor authentication is now on, with ${m.device_type === 'code_generator' ? 'an authenticator app' : 'codes sent by email'}.`,
        ],
        m.occurred_at,
      ),
    tfa_reset_by_admin: (m, product) =>
      notice(
        m.full_name,
        `An administrator reset two-factor authentication on your ${product} account`,
        [
          'At your request, an administrator removed your second factor and your backup tokens: your password alone logs in now.',
          signedOut(m.revoked_sessions, 'Every session was signed out'),
          'Turn two-factor authentication on again as soon as you can.',
        ],
        m.occurred_at,
      ),
    tfa_disabled: (m, product) =>
      notice(
        m.full_name,
        `Two-factor authentication was disabled on your ${product} account`,
        [
          'Two-factor authentication is now off: your password alone logs in. Your backup tokens no longer work.',
        ],
        m.occurred_at,
      ),
    backup_token_used: (m, product) =>
      notice(
        m.full_name,
        `A backup token was used to log in to your ${product} account`,
        [
          'A backup token was used instead of your second factor to log in.',
          m.remaining === 0
            ? 'You have no backup tokens left: generate new ones now.'
            : `You have ${m.remaining} backup token${m.remaining === 1 ? '' : 's'} left.`,
        ],
        m.occurred_at,
      ),
    totp_replay_refused: (m, product) =>
      notice(
        m.full_name,
        `A reused ${product} code was refused`,
        [
          'A code from your authenticator app that had already been used was presented again and refused.',
          'If that was not you retrying, someone may know your password and have seen a code: change your password.',
        ],
        m.occurred_at,
      ),
    account_locked: (m, product) =>
      notice(
        m.full_name,
        `Your ${product} account is temporarily locked`,
        [
          'Several wrong passwords or codes in a row were tried on your account, so it is locked for now.',
          `You can log in again in about ${Math.max(1, Math.ceil(m.retry_after_seconds / 60))} minute(s); a password reset unlocks it at once.`,
          'If that was not you, someone may be guessing your password: choose a strong, unique one.',
        ],
        m.occurred_at,
      ),
    sessions_revoked_after_reuse: (m, product) =>
      notice(
        m.full_name,
        `Your ${product} session was signed out`,
        [
          'An old refresh token of one of your sessions was presented again, which can mean it was stolen.',
          'That session was signed out on every device that shared it; log in again there.',
        ],
        m.occurred_at,
      ),
  },
};
