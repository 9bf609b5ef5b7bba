// German (Deutsch). Adding a language: copy this file, translate it, and list it in ./index.ts.
import { copyable, type EmailContent, type EmailLanguage, formatUTC, paragraph } from './locale';

const NOT_YOU =
  'Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und prüfen Sie Ihre Einstellungen zur Zwei-Faktor-Authentifizierung.';

function notice(name: string, subject: string, lines: string[], occurredAt: string): EmailContent {
  return {
    subject,
    greeting: `Hallo ${name},`,
    blocks: [...lines.map(paragraph), paragraph(`Zeitpunkt: ${formatUTC(occurredAt)}`), paragraph(NOT_YOU)],
  };
}

function signedOut(count: number, sentence: string): string {
  return count === 0 ? 'Es war keine andere Sitzung angemeldet.' : `${sentence} (${count}).`;
}

export const de: EmailLanguage = {
  tag: 'de',
  footer: (product) => `Diese E-Mail wurde von ${product} wegen einer Aktivität in Ihrem Konto gesendet.`,
  kinds: {
    test: (_m, product) => ({
      subject: `${product} Test-E-Mail`,
      greeting: null,
      blocks: [paragraph(`Dies ist eine Test-E-Mail von ${product}. Der E-Mail-Versand funktioniert.`)],
    }),
    backup_tokens: (m, product) => ({
      subject: `Ihre ${product} Backup-Codes`,
      greeting: `Hallo ${m.full_name},`,
      blocks: [
        paragraph('Die Zwei-Faktor-Authentifizierung ist jetzt für Ihr Konto aktiviert.'),
        paragraph(
          `Bewahren Sie diese ${m.tokens.length} Backup-Codes sicher auf. Jeder funktioniert einmal, falls Sie Ihren zweiten Faktor verlieren:`,
        ),
        copyable(m.tokens),
        paragraph('Sie werden nur in dieser E-Mail angezeigt und können nicht wiederhergestellt werden.'),
      ],
    }),
    login_code: (m, product) => ({
      subject: `Ihr ${product} Anmeldecode`,
      greeting: `Hallo ${m.full_name},`,
      blocks: [
        paragraph(`Ihr Anmeldecode, gültig für ${m.expires_in_minutes} Minuten und nur einmal verwendbar:`),
        copyable([m.code]),
        paragraph('Wenn Sie sich nicht anmelden wollten, ändern Sie Ihr Passwort.'),
      ],
    }),
    password_reset_requested: (m, product) => ({
      subject: `Ihr ${product} Passwort zurücksetzen`,
      greeting: `Hallo ${m.full_name},`,
      blocks: [
        paragraph(
          `Jemand hat das Zurücksetzen des Passworts Ihres Kontos angefordert. Dieser Code funktioniert einmal, ${m.expires_in_minutes} Minuten lang:`,
        ),
        copyable([m.token]),
        paragraph('Senden Sie ihn mit Ihrem neuen Passwort an POST /api/v1/auth/password/reset.'),
        paragraph(
          'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.',
        ),
      ],
    }),
    email_verification: (m, product) => ({
      subject: `Bestätigen Sie Ihre ${product} E-Mail-Adresse`,
      greeting: `Hallo ${m.full_name},`,
      blocks: [
        paragraph(
          `Bitte bestätigen Sie, dass diese Adresse Ihnen gehört. Dieser Bestätigungscode funktioniert einmal, ${m.expires_in_hours} Stunden lang:`,
        ),
        copyable([m.token]),
        paragraph('Senden Sie ihn als {"token": "…"} an POST /api/v1/auth/email/verify.'),
        paragraph('Wenn Sie kein Konto angelegt haben, ignorieren Sie diese E-Mail.'),
      ],
    }),
    backup_tokens_regenerated: (m, product) => ({
      subject: `Ihre neuen ${product} Backup-Codes`,
      greeting: `Hallo ${m.full_name},`,
      blocks: [
        paragraph(
          `Ihre Backup-Codes wurden ersetzt; die alten funktionieren nicht mehr. Bewahren Sie diese ${m.tokens.length} sicher auf, jeder funktioniert einmal:`,
        ),
        copyable(m.tokens),
        paragraph('Sie werden nur in dieser E-Mail angezeigt und können nicht wiederhergestellt werden.'),
        paragraph(NOT_YOU),
      ],
    }),
    password_changed: (m, product) =>
      notice(
        m.full_name,
        `Ihr ${product} Passwort wurde geändert`,
        [
          'Das Passwort Ihres Kontos wurde geändert.',
          signedOut(m.revoked_sessions, 'Ihre anderen Sitzungen wurden abgemeldet'),
        ],
        m.occurred_at,
      ),
    password_reset: (m, product) =>
      notice(
        m.full_name,
        `Ihr ${product} Passwort wurde zurückgesetzt`,
        [
          'Das Passwort Ihres Kontos wurde mit einem per E-Mail gesendeten Code zurückgesetzt.',
          signedOut(m.revoked_sessions, 'Alle Sitzungen wurden abgemeldet'),
        ],
        m.occurred_at,
      ),
    tfa_enabled: (m, product) =>
      notice(
        m.full_name,
        `Zwei-Faktor-Authentifizierung für Ihr ${product} Konto aktiviert`,
        [
          `Die Zwei-Faktor-Authentifizierung ist jetzt aktiv, mit ${m.device_type === 'code_generator' ? 'einer Authenticator-App' : 'per E-Mail gesendeten Codes'}.`,
        ],
        m.occurred_at,
      ),
    tfa_reset_by_admin: (m, product) =>
      notice(
        m.full_name,
        `Ein Administrator hat die Zwei-Faktor-Authentifizierung Ihres ${product} Kontos zurückgesetzt`,
        [
          'Auf Ihre Bitte hat ein Administrator Ihren zweiten Faktor und Ihre Backup-Codes entfernt: Ihr Passwort allein genügt jetzt zur Anmeldung.',
          signedOut(m.revoked_sessions, 'Alle Sitzungen wurden abgemeldet'),
          'Schalten Sie die Zwei-Faktor-Authentifizierung so bald wie möglich wieder ein.',
        ],
        m.occurred_at,
      ),
    tfa_disabled: (m, product) =>
      notice(
        m.full_name,
        `Zwei-Faktor-Authentifizierung für Ihr ${product} Konto deaktiviert`,
        [
          'Die Zwei-Faktor-Authentifizierung ist jetzt aus: Ihr Passwort allein genügt zur Anmeldung. Ihre Backup-Codes funktionieren nicht mehr.',
        ],
        m.occurred_at,
      ),
    backup_token_used: (m, product) =>
      notice(
        m.full_name,
        `Anmeldung bei ${product} mit einem Backup-Code`,
        [
          'Statt Ihres zweiten Faktors wurde ein Backup-Code zur Anmeldung verwendet.',
          m.remaining === 0
            ? 'Sie haben keine Backup-Codes mehr: erzeugen Sie jetzt neue.'
            : `Sie haben noch ${m.remaining} Backup-Code${m.remaining === 1 ? '' : 's'}.`,
        ],
        m.occurred_at,
      ),
    totp_replay_refused: (m, product) =>
      notice(
        m.full_name,
        `Ein bereits verwendeter ${product} Code wurde abgelehnt`,
        [
          'Ein Code Ihrer Authenticator-App, der schon verwendet worden war, wurde erneut vorgelegt und abgelehnt.',
          'Wenn Sie es nicht selbst erneut versucht haben, kennt jemand vielleicht Ihr Passwort und hat einen Code gesehen: ändern Sie Ihr Passwort.',
        ],
        m.occurred_at,
      ),
    account_locked: (m, product) =>
      notice(
        m.full_name,
        `Ihr ${product} Konto ist vorübergehend gesperrt`,
        [
          'Auf Ihrem Konto wurden mehrmals hintereinander falsche Passwörter oder Codes versucht, daher ist es vorerst gesperrt.',
          `Sie können sich in etwa ${Math.max(1, Math.ceil(m.retry_after_seconds / 60))} Minute(n) wieder anmelden; ein Zurücksetzen des Passworts hebt die Sperre sofort auf.`,
          'Wenn Sie das nicht waren, versucht vielleicht jemand, Ihr Passwort zu erraten: wählen Sie ein starkes, einzigartiges Passwort.',
        ],
        m.occurred_at,
      ),
    sessions_revoked_after_reuse: (m, product) =>
      notice(
        m.full_name,
        `Ihre ${product} Sitzung wurde abgemeldet`,
        [
          'Ein altes Refresh-Token einer Ihrer Sitzungen wurde erneut vorgelegt; es könnte gestohlen worden sein.',
          'Diese Sitzung wurde auf allen Geräten abgemeldet, die sie teilten; melden Sie sich dort erneut an.',
        ],
        m.occurred_at,
      ),
  },
};
