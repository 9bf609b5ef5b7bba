// Direct SQL through the same driver and gateway the Worker uses: for "time travel" in tests (expiring a
// lock or a token without waiting) and for checking what is stored at rest.

import { env } from 'cloudflare:workers';
import { neon, neonConfig } from '@neondatabase/serverless';

export async function sqlQuery<T = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  neonConfig.fetchEndpoint = env.NEON_HTTP_ENDPOINT;
  const client = neon(env.DATABASE_URL);
  return (await client.query(text, params)) as T[];
}

export function expireAccountLock(email: string): Promise<unknown> {
  return sqlQuery(`update users set locked_until = now() - interval '1 second' where email = $1`, [email]);
}

export async function setGatewayOutage(enabled: boolean): Promise<void> {
  const response = await fetch(`${env.GATEWAY_CONTROL_URL}/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled }),
  });
  if (!response.ok) throw new Error(`gateway control answered ${response.status}`);
}

// Database round trips (HTTP requests to the gateway's /sql) that `action` causes. Other test files share
// the gateway and may run at the same time, so the fewest seen over a few tries is the action's own count.
export async function countRoundTrips(action: () => Promise<unknown>, tries = 5): Promise<number> {
  const read = async () =>
    ((await (await fetch(`${env.GATEWAY_CONTROL_URL}/stats`)).json()) as { httpRequests: number })
      .httpRequests;
  let fewest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < tries; i++) {
    const before = await read();
    await action();
    fewest = Math.min(fewest, (await read()) - before);
  }
  return fewest;
}
