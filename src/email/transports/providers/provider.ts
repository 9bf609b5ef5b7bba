// What an HTTP email API adapter supplies. Another provider (Postmark, SES v2, …) is another file like
// ./resend.ts, listed in ./index.ts; the HTTP transport does the fetching, timing out and classifying.
import type { OutgoingEmail } from '../transport';

export type HTTPEmailProvider = {
  name: string;
  defaultEndpoint: string;
  buildRequest(email: OutgoingEmail, apiKey: string, endpoint: string): Request;
  // The provider's machine-readable error name from an error answer, if it has one (never its message).
  errorCode(body: unknown): string | undefined;
  // Answers that are temporary although their status is a 4xx other than 429.
  isRetryableError?(status: number, code: string | undefined): boolean;
};
