// `npm run keys:reencrypt`: re-seals every TOTP secret still under an old ENCRYPTION_KEYS key with the
// current (first) key, then reports how many devices use each key id, so an old key can be retired once
// its count is 0. Logins re-encrypt lazily as well (the statement that accepts a TOTP step); this does the
// rest at once.
//   DATABASE_URL=postgresql://… ENCRYPTION_KEYS='new:…,old:…' npm run keys:reencrypt [-- --dry-run]
// The database is reached the way the Worker reaches it, over Neon's SQL-over-HTTP (set
// NEON_HTTP_ENDPOINT for the local gateway, e.g. http://127.0.0.1:4444/sql). ENCRYPTION_KEYS defaults to
// the one in .dev.vars. Each update is a compare-and-swap on the old envelope, so a concurrent login or
// re-enrolment is never overwritten; secrets are never printed.
import { existsSync, readFileSync } from 'node:fs';
import { neon, neonConfig } from '@neondatabase/serverless';
import { build } from 'esbuild';

// The part of src/crypto/aead.ts used here (typed by hand: tools/ typechecks apart from the Worker).
type Keyring = { readonly currentKeyId: string };
export type AEAD = {
  parseEncryptionKeys(spec: string): Keyring;
  encryptToEnvelope(keyring: Keyring, plaintext: string, associatedData: string): Promise<string>;
  decryptEnvelope(keyring: Keyring, envelope: string, associatedData: string): Promise<string>;
};

// The Worker's own envelope code (src/crypto/aead.ts), bundled on the fly: src/ uses extensionless
// imports that Node's ESM loader does not resolve, and a second implementation could drift from it.
export async function loadAEAD(): Promise<AEAD> {
  const result = await build({
    entryPoints: [new URL('../src/crypto/aead.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as AEAD;
}

function readDevVar(name: string): string | undefined {
  if (!existsSync('.dev.vars')) return undefined;
  const line = readFileSync('.dev.vars', 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}=`));
  return line?.slice(name.length + 1).replace(/^"|"$/g, '');
}

export type ReencryptReport = {
  reencrypted: number;
  failed: number;
  devicesPerKeyId: Record<string, number>;
};

export async function reencryptDevices(options: {
  databaseUrl: string;
  encryptionKeys: string;
  neonHTTPEndpoint?: string;
  dryRun?: boolean;
  batchSize?: number;
}): Promise<ReencryptReport> {
  if (options.neonHTTPEndpoint) neonConfig.fetchEndpoint = options.neonHTTPEndpoint;
  const aead = await loadAEAD();
  const keyring = aead.parseEncryptionKeys(options.encryptionKeys);
  const sql = neon(options.databaseUrl);
  const batchSize = options.batchSize ?? 200;
  let reencrypted = 0;
  let failed = 0;
  let afterId = '00000000-0000-0000-0000-000000000000';
  while (!options.dryRun) {
    const rows = (await sql.query(
      `select id, secret_envelope from tfa_devices
       where secret_envelope is not null and split_part(secret_envelope, '.', 2) <> $1 and id > $2
       order by id limit $3`,
      [keyring.currentKeyId, afterId, batchSize],
    )) as { id: string; secret_envelope: string }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      afterId = row.id;
      try {
        const secret = await aead.decryptEnvelope(keyring, row.secret_envelope, row.id);
        const sealed = await aead.encryptToEnvelope(keyring, secret, row.id);
        const updated = (await sql.query(
          'update tfa_devices set secret_envelope = $1 where id = $2 and secret_envelope = $3 returning id',
          [sealed, row.id, row.secret_envelope],
        )) as unknown[];
        reencrypted += updated.length;
      } catch {
        // An unknown key id or a damaged envelope: counted and left as it is (the report shows the key id).
        failed += 1;
      }
    }
  }
  const counts = (await sql.query(
    `select split_part(secret_envelope, '.', 2) as kid, count(*)::int as devices
     from tfa_devices where secret_envelope is not null group by 1 order by 1`,
  )) as { kid: string; devices: number }[];
  return {
    reencrypted,
    failed,
    devicesPerKeyId: Object.fromEntries(counts.map((row) => [row.kid, Number(row.devices)])),
  };
}

async function main(): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL;
  const encryptionKeys = process.env.ENCRYPTION_KEYS ?? readDevVar('ENCRYPTION_KEYS');
  if (!databaseUrl || !encryptionKeys) {
    console.error(
      'keys:reencrypt: set DATABASE_URL and ENCRYPTION_KEYS (or keep ENCRYPTION_KEYS in .dev.vars).',
    );
    return 1;
  }
  try {
    const report = await reencryptDevices({
      databaseUrl,
      encryptionKeys,
      neonHTTPEndpoint: process.env.NEON_HTTP_ENDPOINT || undefined,
      dryRun: process.argv.includes('--dry-run'),
    });
    console.log(`keys:reencrypt: ${report.reencrypted} device(s) re-encrypted, ${report.failed} failed.`);
    for (const [kid, devices] of Object.entries(report.devicesPerKeyId))
      console.log(`keys:reencrypt: key id ${kid}: ${devices} device(s)`);
    return report.failed === 0 ? 0 : 1;
  } catch (error) {
    // The message names the problem (a key format, a connection), never key material.
    console.error(`keys:reencrypt: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
