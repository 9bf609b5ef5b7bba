// Concurrent bursts for the attempt-limit tests: fire N requests at once (each from its own client IP, as
// `call` does), then count the answers by status.
import { expect } from 'vitest';

export async function burst(count: number, send: (index: number) => Promise<Response>) {
  const responses = await Promise.all(Array.from({ length: count }, (_, index) => send(index)));
  const statuses = responses.map((response) => response.status);
  return { responses, statuses, count: (status: number) => statuses.filter((s) => s === status).length };
}

/** Every 429 of an attempt limit carries Retry-After and the same problem code, whatever the guess was. */
export async function expectLockedAnswers(responses: Response[]) {
  for (const response of responses.filter((r) => r.status === 429)) {
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await response.json()) as { code: string }).code).toBe('account_locked');
  }
}
