// SMTP transport: the MIME message through sendOverSMTP, envelope from the sender setting.
import { buildMIMEMessage } from '../mime';
import { type SMTPOptions, sendOverSMTP } from './smtp-client';
import type { EmailTransport } from './transport';

export function createSMTPTransport(options: SMTPOptions): EmailTransport {
  return {
    name: 'smtp',
    async send(email) {
      await sendOverSMTP(options, { from: email.fromAddress, to: email.to }, buildMIMEMessage(email));
    },
  };
}
