// One request's use of a pooled connection, with the lifecycle Neon's proxy gives it
// (proxy/src/serverless/conn_pool_lib.rs): a connection that broke, or whose backend ended (FATAL), is
// thrown away, never pooled; a healthy one is reset before anyone else gets it, so no session state
// (SET, temporary tables, advisory locks, prepared statements, an open transaction) leaks into the next
// request; and when the client goes away, the running statement is cancelled.
import type pg from 'pg';
import type { Backend } from './backends.ts';
import { CancelledError, endsSession } from './errors.ts';

// What Neon sends before reusing a pooled connection (tokio-postgres2 reset_session_background), in one
// simple-protocol round trip. ROLLBACK first also ends a transaction a request left open (a bare BEGIN).
const RESET_SESSION_SQL = `ROLLBACK;
CLOSE ALL;
SET SESSION AUTHORIZATION DEFAULT;
RESET ALL;
DEALLOCATE ALL;
UNLISTEN *;
SELECT pg_advisory_unlock_all();
DISCARD TEMP;
DISCARD SEQUENCES;`;

// The connection a client 'error' event reports broken (socket closed after a FATAL, Postgres gone).
const brokenConnections = new WeakMap<pg.ClientBase, Error>();

// node-postgres emits 'error' on a client whose socket ends; pg-pool only listens while the client is
// idle, so one ending during a request crashed the process ("Unhandled 'error' event"). Listen always.
export function watchConnections(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    client.on('error', (error) => brokenConnections.set(client, error));
  });
}

export type Session = {
  client: pg.PoolClient;
  /** Throws CancelledError once the request's client has gone: checked between statements. */
  throwIfCancelled(): void;
};

// Runs `work` on one pooled connection; resolves as soon as the work is done. Resetting and returning the
// connection happen afterwards (Neon also resets in the background); the next borrower waits for them.
export async function withSession<T>(
  backend: Backend,
  signal: AbortSignal,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  throwIfAborted(signal);
  const client = await backend.pool.connect();
  let cancelling: Promise<void> | undefined;
  const onAbort = () => {
    cancelling = backend.cancelQuery?.(client);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let failure: unknown;
  try {
    // The client may have gone while this request waited for a connection (PGlite has only one).
    throwIfAborted(signal);
    return await work({ client, throwIfCancelled: () => throwIfAborted(signal) });
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    void releaseSession(client, { failure, cancelling });
  }
}

async function releaseSession(
  client: pg.PoolClient,
  { failure, cancelling }: { failure: unknown; cancelling?: Promise<void> },
): Promise<void> {
  if (cancelling) {
    // A cancel aimed at this backend could land on the next request's statement: never reuse it.
    await cancelling;
    client.release(new Error('the request was cancelled'));
    return;
  }
  const endedBy =
    brokenConnections.get(client) ?? (failure !== undefined && endsSession(failure) ? failure : undefined);
  if (endedBy !== undefined) {
    client.release(endedBy instanceof Error ? endedBy : new Error(String(endedBy)));
    return;
  }
  try {
    await client.query(RESET_SESSION_SQL);
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : new Error(String(error)));
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}
