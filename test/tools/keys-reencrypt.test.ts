// `npm run keys:reencrypt` against the real database through the gateway: devices sealed under an old
// ENCRYPTION_KEYS key move to the current one (and still open to the same secret), the report counts the
// devices per key id, and a dry run changes nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../tools/gateway/server.ts';
import { loadAEAD, reencryptDevices } from '../../tools/keys-reencrypt.ts';
import { CONNECTION_STRING, connectSQL, startTestGateway } from '../gateway/fixture.ts';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startTestGateway();
  await gateway.migrate();
});
afterAll(async () => {
  await gateway.close();
});

const key = () => randomBytes(32).toString('base64url');

describe('keys:reencrypt', () => {
  it('re-seals old-key devices under the current key and reports the devices per key id', async () => {
    const oldKid = `old${randomBytes(4).toString('hex')}`;
    const newKid = `new${randomBytes(4).toString('hex')}`;
    const oldKeys = `${oldKid}:${key()}`;
    const rotatedKeys = `${newKid}:${key()},${oldKeys}`;
    const { encryptToEnvelope, decryptEnvelope, parseEncryptionKeys } = await loadAEAD();
    const sql = connectSQL();
    const deviceIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const userId = randomUUID();
      const deviceId = randomUUID();
      deviceIds.push(deviceId);
      const envelope = await encryptToEnvelope(parseEncryptionKeys(oldKeys), `SECRET${i}`, deviceId);
      await sql.query(
        `insert into users (id, email, full_name, password_hash, tfa_enabled) values ($1, $2, 'K', 'x', true)`,
        [userId, `keys-${userId}@example.com`],
      );
      await sql.query(
        `insert into tfa_devices (id, user_id, device_type, secret_envelope) values ($1, $2, 'code_generator', $3)`,
        [deviceId, userId, envelope],
      );
    }
    const options = {
      databaseUrl: CONNECTION_STRING,
      encryptionKeys: rotatedKeys,
      neonHTTPEndpoint: gateway.sqlUrl,
    };

    const dry = await reencryptDevices({ ...options, dryRun: true });
    expect(dry.reencrypted).toBe(0);
    expect(dry.devicesPerKeyId[oldKid]).toBe(3);

    const report = await reencryptDevices(options);
    expect(report.failed).toBe(0);
    expect(report.reencrypted).toBeGreaterThanOrEqual(3);
    expect(report.devicesPerKeyId[oldKid]).toBeUndefined();
    expect(report.devicesPerKeyId[newKid]).toBe(3);

    // Only the new key is needed now, and it opens the same secrets.
    const rows = (await sql.query('select id, secret_envelope from tfa_devices where id = any($1)', [
      deviceIds,
    ])) as { id: string; secret_envelope: string }[];
    const newOnly = parseEncryptionKeys(rotatedKeys.split(',')[0] ?? '');
    const secrets = await Promise.all(
      rows.map((row) => decryptEnvelope(newOnly, row.secret_envelope, row.id)),
    );
    expect(secrets.sort()).toEqual(['SECRET0', 'SECRET1', 'SECRET2']);
  });
});
