// One JSON object per line, so Workers observability can index the fields. Callers pass identifiers and
// outcomes only: never a password, token, code, secret or hash.
export function logEvent(event: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...event }));
}
