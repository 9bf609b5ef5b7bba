// Lookups by keyed hash when several TOKEN_HASH_KEY entries may have made the stored value: the row
// matches if its (key id, hash) pair is one of the presented token's hashes under each key.
import { type SQL, sql } from 'drizzle-orm';
import type { KeyedHash } from '../../crypto/hmac';

export function matchesKeyedHash(
  kidColumn: string,
  hashColumn: string,
  candidates: readonly KeyedHash[],
): SQL {
  if (candidates.length === 0) return sql`false`;
  return sql`(${sql.raw(kidColumn)}, ${sql.raw(hashColumn)}) in (${sql.join(
    candidates.map(({ kid, hash }) => sql`(${kid}::text, ${hash}::text)`),
    sql`, `,
  )})`;
}
