// One JSON object per line, so Workers observability can index the fields. Callers pass identifiers and
// outcomes only: never a password, token, code, secret or hash.
export function logEvent(event: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...event }));
}

// A request's auth events travel in its one access-log line (`events`, each with `at_ms` from the
// request's start) instead of a line each: every console.log is a log record of its own, with its own
// timestamp and serialisation, and on light routes those lines were a fifth of the Worker's CPU.
type RequestLog = {
  requestId: string;
  startedAtMs: number;
  events: Record<string, unknown>[];
  written: boolean;
};

// Keyed by the incoming Request, so nothing but this module needs to know the log exists.
const requestLogs = new WeakMap<Request, RequestLog>();

export function openRequestLog(request: Request, requestId: string): void {
  requestLogs.set(request, { requestId, startedAtMs: Date.now(), events: [], written: false });
}

/** Adds an event to the request's access-log line; once that line is written (or without one), logs it alone. */
export function logRequestEvent(request: Request, requestId: string, event: Record<string, unknown>): void {
  const log = requestLogs.get(request);
  if (!log || log.written) {
    logEvent({ request_id: requestId, ...event });
    return;
  }
  log.events.push({ ...event, at_ms: Date.now() - log.startedAtMs });
}

/** Writes the request's one line: the access-log fields, then its events. */
export function writeRequestLog(request: Request, fields: Record<string, unknown>): void {
  const log = requestLogs.get(request);
  if (log) log.written = true;
  const events = log?.events ?? [];
  logEvent({ ...fields, ...(events.length > 0 ? { events } : {}) });
}
