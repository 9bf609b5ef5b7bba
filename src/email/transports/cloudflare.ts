// Cloudflare's own sending: the `send_email` binding with the raw MIME message, so the headers this
// service sets (Message-ID, Date, task id) travel unchanged. The binding throws on refusal without a
// status code; an unverified or disallowed address will not improve with retries, anything else might.
import { buildMIMEMessage } from '../mime';
import { type EmailTransport, permanentFailure, temporaryFailure } from './transport';

const PERMANENT_REFUSALS = /not (verified|allowed)|destination address|invalid|unauthori[sz]ed/i;

export function createCloudflareTransport(binding: SendEmail): EmailTransport {
  return {
    name: 'cloudflare',
    async send(email) {
      // Loaded on first use: a runtime without Cloudflare's email module (plain workerd, which the
      // benchmark profiles) must still load the Worker when this transport is not chosen.
      const { EmailMessage } = await import('cloudflare:email');
      try {
        await binding.send(new EmailMessage(email.fromAddress, email.to, buildMIMEMessage(email)));
      } catch (error) {
        const message = error instanceof Error ? error.message : '';
        throw PERMANENT_REFUSALS.test(message)
          ? permanentFailure('send_email refused the message')
          : temporaryFailure('send_email failed');
      }
    },
  };
}
