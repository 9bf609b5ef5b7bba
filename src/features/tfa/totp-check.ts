import type { Deps } from '../../app-env';
import { decryptEnvelope, encryptToEnvelope, isCurrentKeyEnvelope } from '../../crypto/aead';
import { verifyTOTP } from '../../crypto/totp';

export type TOTPCheck =
  | { ok: true; step: number; reencryptedEnvelope: string | null }
  | { ok: false; reason: 'wrong_code' | 'replayed_code' };

// Decrypts the device secret and checks a code within the drift window. A right code for a step at or
// before the last accepted one is a replay (RFC 6238 §5.2), even inside the window; the caller's write
// re-checks the step atomically, this only spares the write. A secret sealed under an older
// ENCRYPTION_KEYS key comes back re-sealed under the current one, for the statement that accepts the step
// to store (so old keys can be retired once every device has been used or re-encrypted).
export async function checkTOTPCode(
  deps: Pick<Deps, 'secrets' | 'config' | 'nowMs'>,
  device: { deviceId: string; secretEnvelope: string; lastAcceptedStep: number | null },
  code: string,
): Promise<TOTPCheck> {
  const secretBase32 = await decryptEnvelope(
    deps.secrets.encryptionKeys,
    device.secretEnvelope,
    device.deviceId,
  );
  const step = verifyTOTP({
    secretBase32,
    code,
    timestampMs: deps.nowMs(),
    driftSteps: deps.config.totpDriftSteps,
  });
  if (step === null) return { ok: false, reason: 'wrong_code' };
  if (device.lastAcceptedStep !== null && step <= device.lastAcceptedStep)
    return { ok: false, reason: 'replayed_code' };
  const reencryptedEnvelope = isCurrentKeyEnvelope(deps.secrets.encryptionKeys, device.secretEnvelope)
    ? null
    : await encryptToEnvelope(deps.secrets.encryptionKeys, secretBase32, device.deviceId);
  return { ok: true, step, reencryptedEnvelope };
}
