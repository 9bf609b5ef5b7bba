// Builds everything a new TFA device needs (pure, no I/O): the device row values, the backup tokens in
// plaintext (for the one email that shows them) and their keyed hashes (for the database).
import type { Deps } from '../../app-env';
import { encryptToEnvelope } from '../../crypto/aead';
import {
  hashUnderCurrentKey,
  hashUnderEveryKey,
  type KeyedHash,
  type TokenHashKeyring,
} from '../../crypto/hmac';
import { generateBackupToken } from '../../crypto/random';
import { buildOtpauthURI, generateTOTPSecret } from '../../crypto/totp';
import type { DeviceType } from '../../db/queries/users';

export type Enrollment = {
  device: { id: string; deviceType: DeviceType; secretEnvelope: string | null };
  backupTokens: string[];
  backupTokenHashes: KeyedHash[];
  // Only to show once (QR code); never stored in plaintext.
  secretBase32: string | null;
};

export const BACKUP_TOKEN_PURPOSE = 'backup-token';

// The device id is the AES-GCM associated data: an envelope copied onto another device row won't decrypt.
export async function prepareEnrollment(
  deps: Pick<Deps, 'config' | 'secrets'>,
  deviceType: DeviceType,
): Promise<Enrollment> {
  const deviceId = crypto.randomUUID();
  const secretBase32 = deviceType === 'code_generator' ? generateTOTPSecret() : null;
  const secretEnvelope = secretBase32
    ? await encryptToEnvelope(deps.secrets.encryptionKeys, secretBase32, deviceId)
    : null;
  const { backupTokens, backupTokenHashes } = await generateBackupTokenSet(deps);
  return {
    device: { id: deviceId, deviceType, secretEnvelope },
    backupTokens,
    backupTokenHashes,
    secretBase32,
  };
}

// A fresh set of backup tokens: the plaintext for the one email that shows them, the keyed hashes to store.
export async function generateBackupTokenSet(
  deps: Pick<Deps, 'config' | 'secrets'>,
): Promise<{ backupTokens: string[]; backupTokenHashes: KeyedHash[] }> {
  const backupTokens = Array.from({ length: deps.config.backupTokenCount }, generateBackupToken);
  const backupTokenHashes = await Promise.all(
    backupTokens.map((token) =>
      hashUnderCurrentKey(deps.secrets.tokenHashKeys, BACKUP_TOKEN_PURPOSE, canonical(token)),
    ),
  );
  return { backupTokens, backupTokenHashes };
}

export function otpauthURIFor(
  deps: Pick<Deps, 'config'>,
  email: string,
  secretBase32: string | null,
): string | null {
  return secretBase32
    ? buildOtpauthURI({ issuer: deps.config.totpIssuer, accountName: email, secretBase32 })
    : null;
}

const canonical = (normalizedToken: string) => normalizedToken.replaceAll('-', '');

/** A presented backup token's hashes under every TOKEN_HASH_KEY entry, to look it up by. */
export function backupTokenLookupHashes(
  keyring: TokenHashKeyring,
  normalizedToken: string,
): Promise<KeyedHash[]> {
  return hashUnderEveryKey(keyring, BACKUP_TOKEN_PURPOSE, canonical(normalizedToken));
}
