// Resend (https://resend.com/docs/api-reference/emails/send-email): POST /emails, JSON, bearer API key.
// Errors answer {"statusCode", "message", "name"}; `name` is the machine code.
import { TASK_ID_HEADER } from '../../outgoing';
import type { HTTPEmailProvider } from './provider';

export const resend: HTTPEmailProvider = {
  name: 'resend',
  defaultEndpoint: 'https://api.resend.com/emails',
  buildRequest(email, apiKey, endpoint) {
    // Date is the provider's to stamp: the body must be identical on every retry, or the idempotency
    // key (same task, same key for 24 hours) is answered 409 invalid_idempotent_request.
    const headers = Object.fromEntries(email.headers.filter(([name]) => name !== 'Date'));
    return new Request(endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        // https://resend.com/docs/dashboard/emails/idempotency-keys: a retried request is not sent twice.
        'idempotency-key': `edge-2fa/${email.headers.find(([name]) => name === TASK_ID_HEADER)?.[1] ?? email.taskId}`,
      },
      body: JSON.stringify({
        from: email.from,
        to: [email.to],
        subject: email.subject,
        html: email.html,
        text: email.text,
        headers,
      }),
    });
  },
  errorCode(body) {
    const name = (body as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : undefined;
  },
  // Another request with the same key is still being processed: try again later.
  isRetryableError: (status, code) => status === 409 && code === 'concurrent_idempotent_requests',
};
