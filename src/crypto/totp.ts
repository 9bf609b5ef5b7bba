// TOTP (RFC 6238) over HOTP (RFC 4226), computed by otpauth; this module pins the parameters, validates
// input before any crypto, and compares codes in constant time.
//
// Single use (RFC 6238 §5.2) is the caller's job: verifyTOTP returns the matched absolute time step, and
// the caller accepts it only if it is greater than the device's last accepted step, in one conditional
// UPDATE, so a code (or an earlier one inside the drift window) can never be replayed.
import { HOTP, Secret } from 'otpauth';
import { timingSafeEqual } from './constant-time';
import { randomBytes } from './random';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_ALGORITHM = 'SHA1';
/** 160 bits: the secret length RFC 4226 §4 (R6) recommends, and the HMAC-SHA1 output size. */
export const TOTP_SECRET_BYTES = 20;
/** ±1 step: the clock drift / network delay allowance RFC 6238 §5.2 recommends at most. */
export const TOTP_DEFAULT_DRIFT_STEPS = 1;
/** A wider window multiplies the guessing odds per attempt; config caps it lower still. */
export const TOTP_MAX_DRIFT_STEPS = 10;

const TOTP_CODE_PATTERN = /^[0-9]{6}$/;
const BASE32_SECRET_PATTERN = /^[A-Z2-7]+$/;

/** RFC 6238 §4.2: T = floor((unix seconds − T0) / X) with T0 = 0 and X = 30. */
export function timeStepAt(timestampMs: number): number {
  return Math.floor(timestampMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** A fresh 160-bit secret from the CSPRNG, as unpadded RFC 4648 base32 (32 characters). */
export function generateTOTPSecret(): string {
  const bytes = randomBytes(TOTP_SECRET_BYTES);
  return new Secret({ buffer: bytes.buffer as ArrayBuffer }).base32;
}

function parseBase32Secret(secretBase32: string): Secret {
  if (!BASE32_SECRET_PATTERN.test(secretBase32))
    throw new TypeError('TOTP secret must be unpadded upper-case base32');
  return Secret.fromBase32(secretBase32);
}

/**
 * The HOTP value (RFC 4226 §5.3) of a secret at a counter, here a TOTP time step. `digits` other than 6 is
 * only for checking the 8-digit RFC 6238 Appendix B vectors.
 */
export function generateHOTP(secretBase32: string, counter: number, digits: number = TOTP_DIGITS): string {
  return HOTP.generate({
    secret: parseBase32Secret(secretBase32),
    algorithm: TOTP_ALGORITHM,
    digits,
    counter,
  });
}

export function generateTOTP(secretBase32: string, timestampMs: number): string {
  return generateHOTP(secretBase32, timeStepAt(timestampMs));
}

export type VerifyTOTPInput = {
  secretBase32: string;
  code: string;
  timestampMs: number;
  /** Steps accepted on each side of the current one; defaults to TOTP_DEFAULT_DRIFT_STEPS. */
  driftSteps?: number;
};

/**
 * The absolute time step whose code matches (current step + delta, |delta| ≤ driftSteps), or null.
 * Anything but exactly six ASCII digits is refused before any HMAC is computed. Every step in the window
 * is computed and compared in constant time, so the response time does not reveal which one matched.
 */
export function verifyTOTP({
  secretBase32,
  code,
  timestampMs,
  driftSteps = TOTP_DEFAULT_DRIFT_STEPS,
}: VerifyTOTPInput): number | null {
  if (!Number.isInteger(driftSteps) || driftSteps < 0 || driftSteps > TOTP_MAX_DRIFT_STEPS) {
    throw new RangeError(`driftSteps must be an integer from 0 to ${TOTP_MAX_DRIFT_STEPS}`);
  }
  if (typeof code !== 'string' || !TOTP_CODE_PATTERN.test(code)) return null;
  const secret = parseBase32Secret(secretBase32);
  const currentStep = timeStepAt(timestampMs);
  let matchedStep: number | null = null;
  // The current step first, then outwards, so the step nearest to now wins the (rare) tie.
  for (let distance = 0; distance <= driftSteps; distance++) {
    for (const step of distance === 0 ? [currentStep] : [currentStep - distance, currentStep + distance]) {
      if (step < 0) continue;
      const expected = HOTP.generate({
        secret,
        algorithm: TOTP_ALGORITHM,
        digits: TOTP_DIGITS,
        counter: step,
      });
      if (timingSafeEqual(expected, code) && matchedStep === null) matchedStep = step;
    }
  }
  return matchedStep;
}

export type OtpauthURIInput = { issuer: string; accountName: string; secretBase32: string };

/**
 * The Key URI Format authenticator apps read from the QR code:
 *   otpauth://totp/<issuer>:<accountName>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
 * The issuer appears in the label and as a parameter (the format's recommendation for older apps).
 * period=30 is pinned: the original service wrote period=2 and every app generated wrong codes.
 */
export function buildOtpauthURI({ issuer, accountName, secretBase32 }: OtpauthURIInput): string {
  if (issuer.includes(':')) throw new TypeError('TOTP issuer must not contain ":" (the label separator)');
  if (!BASE32_SECRET_PATTERN.test(secretBase32))
    throw new TypeError('TOTP secret must be unpadded upper-case base32');
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query =
    `secret=${secretBase32}&issuer=${encodeURIComponent(issuer)}` +
    `&algorithm=${TOTP_ALGORITHM}&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`;
  return `otpauth://totp/${label}?${query}`;
}
