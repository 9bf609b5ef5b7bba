// HTTP email API transport: the provider adapter builds the request; this sends it with a timeout and
// turns the answer into success or a DeliveryError (429 and 5xx temporary, other 4xx permanent).
import type { HTTPEmailProvider } from './providers/provider';
import { type EmailTransport, permanentFailure, temporaryFailure } from './transport';

export type HTTPTransportOptions = {
  provider: HTTPEmailProvider;
  endpoint: string;
  apiKey: string;
  timeoutMs: number;
};

// A provider's error code is shown in the task status; keep it to a short identifier.
const safeCode = (code: string | undefined) => (code && /^[a-z0-9_.-]{1,64}$/i.test(code) ? ` ${code}` : '');

export function createHTTPTransport(options: HTTPTransportOptions): EmailTransport {
  const { provider } = options;
  return {
    name: 'http',
    async send(email) {
      const request = provider.buildRequest(email, options.apiKey, options.endpoint);
      let response: Response;
      try {
        response = await fetch(request, { signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw temporaryFailure(`${provider.name} ${timedOut ? 'timeout' : 'unreachable'}`);
      }
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const body = await response.json().catch(() => null);
      const code = provider.errorCode(body);
      const reason = `${provider.name} ${response.status}${safeCode(code)}`;
      const temporary =
        response.status === 429 ||
        response.status >= 500 ||
        provider.isRetryableError?.(response.status, code);
      throw temporary ? temporaryFailure(reason) : permanentFailure(reason);
    },
  };
}
