// One interface for every way an email leaves the Worker. A transport either resolves (the receiving
// server or API accepted the message) or throws a DeliveryError that says whether trying again can help.
export type OutgoingEmail = {
  taskId: string;
  kind: string;
  // The From header ("edge-2fa <no-reply@example.com>") and its bare address (the SMTP envelope sender).
  from: string;
  fromAddress: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  // Message-ID, Date and the task id, in the order they are written.
  headers: [name: string, value: string][];
};

export type EmailTransport = {
  name: 'console' | 'smtp' | 'http' | 'cloudflare';
  send(email: OutgoingEmail): Promise<void>;
};

// `reason` goes into the task status and logs, so it names the step and the server's status code, never
// addresses, content or credentials. Temporary failures (SMTP 4xx, HTTP 429/5xx, network) are retried
// with backoff; permanent ones (SMTP 5xx, HTTP 4xx) fail the task at once (RFC 5321 §4.2.1).
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    readonly reason: string,
    readonly permanent: boolean,
  ) {
    super(reason);
  }
}

export const temporaryFailure = (reason: string) => new DeliveryError(reason, false);
export const permanentFailure = (reason: string) => new DeliveryError(reason, true);
