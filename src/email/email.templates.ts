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
    case 'password_reset_requested':
      return {
        subject: 'Reset your edge-2fa password',
        body: [
          `Hello ${message.full_name},`,
          '',
          `Someone asked to reset the password of your account. This reset token works once, for ${message.expires_in_minutes} minutes:`,
          '',
          message.token,
          '',
          'Send it with your new password to POST /api/v1/auth/password/reset.',
          'If you did not ask for this, ignore this email: your password stays as it is.',
        ].join('\n'),
      };
    case 'email_verification':
      return {
        subject: 'Verify your edge-2fa email address',
        body: [
          `Hello ${message.full_name},`,
          '',
          `Please confirm that this address is yours. This verification token works once, for ${message.expires_in_hours} hours:`,
          '',
          message.token,
          '',
          'Send it to POST /api/v1/auth/email/verify as {"token": "…"}.',
          'If you did not create an account, ignore this email.',
        ].join('\n'),
      };
    case 'backup_tokens_regenerated':
      return {
        subject: 'Your new edge-2fa backup tokens',
        body: [
          `Hello ${message.full_name},`,
          '',
          `Your backup tokens were replaced. The old ones no longer work. Keep these ${message.tokens.length} somewhere safe; each works once:`,
          '',
          ...message.tokens,
          '',
          'They are shown only in this email and cannot be recovered.',
          NOT_YOU,
        ].join('\n'),
      };
    case 'password_changed':
      return securityNotice(message, 'Your edge-2fa password was changed', [
        'The password of your account was changed.',
        signedOut(message.revoked_sessions, 'Your other sessions were signed out'),
      ]);
    case 'password_reset':
      return securityNotice(message, 'Your edge-2fa password was reset', [
        'The password of your account was reset with an emailed reset token.',
        signedOut(message.revoked_sessions, 'Every session was signed out'),
      ]);
    case 'tfa_enabled':
      return securityNotice(message, 'Two-factor authentication was enabled on your edge-2fa account', [
        `Two-factor authentication is now on, with ${message.device_type === 'code_generator' ? 'an authenticator app' : 'codes sent by email'}.`,
      ]);
    case 'tfa_disabled':
      return securityNotice(message, 'Two-factor authentication was disabled on your edge-2fa account', [
        'Two-factor authentication is now off: your password alone logs in. Your backup tokens no longer work.',
      ]);
    case 'backup_token_used':
      return securityNotice(message, 'A backup token was used to log in to your edge-2fa account', [
        'A backup token was used instead of your second factor to log in.',
        message.remaining === 0
          ? 'You have no backup tokens left: generate new ones now.'
          : `You have ${message.remaining} backup token${message.remaining === 1 ? '' : 's'} left.`,
      ]);
    case 'totp_replay_refused':
      return securityNotice(message, 'A reused edge-2fa code was refused', [
        'A code from your authenticator app that had already been used was presented again and refused.',
        'If that was not you retrying, someone may know your password and have seen a code: change your password.',
      ]);
    case 'account_locked':
      return securityNotice(message, 'Your edge-2fa account is temporarily locked', [
        'Several wrong passwords or codes in a row were tried on your account, so it is locked for now.',
        `You can log in again in about ${Math.max(1, Math.ceil(message.retry_after_seconds / 60))} minute(s); a password reset unlocks it at once.`,
        'If that was not you, someone may be guessing your password: choose a strong, unique one.',
      ]);
    case 'sessions_revoked_after_reuse':
      return securityNotice(message, 'Your edge-2fa session was signed out', [
        'An old refresh token of one of your sessions was presented again, which can mean it was stolen.',
        'That session was signed out on every device that shared it; log in again there.',
      ]);
  }
}

const NOT_YOU = 'If this was not you, reset your password at once and review your two-factor settings.';

type SecurityNoticeMessage = Extract<EmailMessage, { occurred_at: string }>;

// Notifications name what happened and when, and carry no code, token or link that could be abused.
function securityNotice(message: SecurityNoticeMessage, subject: string, lines: string[]): RenderedEmail {
  const when = `${message.occurred_at.slice(0, 19).replace('T', ' ')} UTC`;
  return {
    subject,
    body: [`Hello ${message.full_name},`, '', ...lines, '', `When: ${when}`, '', NOT_YOU].join('\n'),
  };
}

function signedOut(count: number, sentence: string): string {
  return count === 0 ? 'No other session was signed in.' : `${sentence} (${count}).`;
}
