// Row ids are UUIDs; checking a claim's shape first keeps a malformed id from ever reaching Postgres,
// where it would be a 22P02 error instead of a plain "no such row".
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUUID(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
