import { describe, expect, it } from 'vitest';
import {
  buildOtpauthURI,
  generateHOTP,
  generateTOTP,
  generateTOTPSecret,
  TOTP_ALGORITHM,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TOTP_SECRET_BYTES,
  timeStepAt,
  verifyTOTP,
} from '../../src/crypto/totp';

// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890".
const RFC_6238_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_6238_SHA1_VECTORS: [unixSeconds: number, step: number, code: string][] = [
  [59, 0x1, '94287082'],
  [1111111109, 0x23523ec, '07081804'],
  [1111111111, 0x23523ed, '14050471'],
  [1234567890, 0x273ef07, '89005924'],
  [2000000000, 0x3f940aa, '69279037'],
  [20000000000, 0x27bc86aa, '65353130'],
];

/** The same code with its last digit changed: the "other outcome" of each vector. */
function alterLastDigit(code: string): string {
  return code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10);
}

const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 10);
const PERIOD_MS = TOTP_PERIOD_SECONDS * 1000;

describe('TOTP parameters', () => {
  it('are SHA-1, 6 digits, 30-second steps and 160-bit secrets (RFC 6238 defaults)', () => {
    expect([TOTP_ALGORITHM, TOTP_DIGITS, TOTP_PERIOD_SECONDS, TOTP_SECRET_BYTES]).toEqual([
      'SHA1',
      6,
      30,
      20,
    ]);
  });
});

describe('RFC 6238 Appendix B (SHA-1)', () => {
  it.each(RFC_6238_SHA1_VECTORS)('at %i s the time step is %i', (unixSeconds, step) => {
    expect(timeStepAt(unixSeconds * 1000)).toBe(step);
  });

  it.each(RFC_6238_SHA1_VECTORS)('at %i s (step %i) the 8-digit code is %s', (_seconds, step, code) => {
    expect(generateHOTP(RFC_6238_SECRET, step, 8)).toBe(code);
    expect(generateHOTP(RFC_6238_SECRET, step, 8)).not.toBe(alterLastDigit(code));
  });

  it.each(RFC_6238_SHA1_VECTORS)(
    'at %i s (step %i) the 6-digit code is the last six of %s',
    (seconds, step, code) => {
      const sixDigits = code.slice(-6);
      expect(generateTOTP(RFC_6238_SECRET, seconds * 1000)).toBe(sixDigits);
      expect(
        verifyTOTP({
          secretBase32: RFC_6238_SECRET,
          code: sixDigits,
          timestampMs: seconds * 1000,
          driftSteps: 0,
        }),
      ).toBe(step);
      expect(
        verifyTOTP({
          secretBase32: RFC_6238_SECRET,
          code: alterLastDigit(sixDigits),
          timestampMs: seconds * 1000,
          driftSteps: 0,
        }),
      ).toBeNull();
    },
  );
});

describe('generateTOTPSecret', () => {
  it('returns 160 random bits as 32 base32 characters', () => {
    const secret = generateTOTPSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(generateTOTPSecret()).not.toBe(secret);
  });
});

describe('verifyTOTP', () => {
  const secretBase32 = generateTOTPSecret();
  const currentStep = timeStepAt(NOW_MS);
  const codeAt = (deltaSteps: number) => generateTOTP(secretBase32, NOW_MS + deltaSteps * PERIOD_MS);

  it('accepts the current code and returns the absolute time step it matched', () => {
    expect(verifyTOTP({ secretBase32, code: codeAt(0), timestampMs: NOW_MS, driftSteps: 1 })).toBe(
      currentStep,
    );
  });

  it('accepts a code one step early or late within a ±1 window, returning that step', () => {
    expect(verifyTOTP({ secretBase32, code: codeAt(-1), timestampMs: NOW_MS, driftSteps: 1 })).toBe(
      currentStep - 1,
    );
    expect(verifyTOTP({ secretBase32, code: codeAt(1), timestampMs: NOW_MS, driftSteps: 1 })).toBe(
      currentStep + 1,
    );
  });

  it('rejects a code two steps early or late within a ±1 window', () => {
    expect(verifyTOTP({ secretBase32, code: codeAt(-2), timestampMs: NOW_MS, driftSteps: 1 })).toBeNull();
    expect(verifyTOTP({ secretBase32, code: codeAt(2), timestampMs: NOW_MS, driftSteps: 1 })).toBeNull();
  });

  it('defaults to a ±1 window', () => {
    expect(verifyTOTP({ secretBase32, code: codeAt(1), timestampMs: NOW_MS })).toBe(currentStep + 1);
    expect(verifyTOTP({ secretBase32, code: codeAt(2), timestampMs: NOW_MS })).toBeNull();
  });

  it('with no drift allowed, accepts only the current step', () => {
    expect(verifyTOTP({ secretBase32, code: codeAt(0), timestampMs: NOW_MS, driftSteps: 0 })).toBe(
      currentStep,
    );
    expect(verifyTOTP({ secretBase32, code: codeAt(1), timestampMs: NOW_MS, driftSteps: 0 })).toBeNull();
  });

  it('returns the same step for the same code later in the window, so the caller can refuse the replay', () => {
    const code = codeAt(0);
    const first = verifyTOTP({ secretBase32, code, timestampMs: NOW_MS });
    const replay = verifyTOTP({ secretBase32, code, timestampMs: NOW_MS + PERIOD_MS });
    expect(replay).toBe(first);
  });

  it('rejects the right code for another secret', () => {
    expect(
      verifyTOTP({ secretBase32: generateTOTPSecret(), code: codeAt(0), timestampMs: NOW_MS }),
    ).toBeNull();
  });

  it('rejects anything but exactly six ASCII digits', () => {
    const valid = codeAt(0);
    const malformed = [
      '',
      valid.slice(0, 5),
      `${valid}0`,
      `${valid.slice(0, 5)}a`,
      ` ${valid}`,
      `${valid} `,
      `${valid.slice(0, 3)} ${valid.slice(3)}`,
      '１２３４５６', // full-width digits
      '+12345',
      '-12345',
      '1e+5',
    ];
    for (const code of malformed) {
      expect(verifyTOTP({ secretBase32, code, timestampMs: NOW_MS }), code).toBeNull();
    }
  });

  it('rejects a malformed code before touching the secret', () => {
    // An unusable secret would throw if any HMAC were computed.
    expect(verifyTOTP({ secretBase32: 'not base32!', code: 'abcdef', timestampMs: NOW_MS })).toBeNull();
    expect(() => verifyTOTP({ secretBase32: 'not base32!', code: '123456', timestampMs: NOW_MS })).toThrow();
  });

  it('refuses a negative, fractional or huge drift window', () => {
    for (const driftSteps of [-1, 0.5, 11]) {
      expect(() => verifyTOTP({ secretBase32, code: codeAt(0), timestampMs: NOW_MS, driftSteps })).toThrow(
        RangeError,
      );
    }
  });
});

describe('buildOtpauthURI', () => {
  const secretBase32 = generateTOTPSecret();

  it('writes the Key URI with issuer, SHA1, 6 digits and period=30 (the original wrote period=2)', () => {
    const uri = buildOtpauthURI({ issuer: 'edge-2fa', accountName: 'alice@example.com', secretBase32 });
    expect(uri).toBe(
      `otpauth://totp/edge-2fa:alice%40example.com?secret=${secretBase32}&issuer=edge-2fa&algorithm=SHA1&digits=6&period=30`,
    );
    const params = new URL(uri).searchParams;
    expect(params.get('period')).toBe('30');
    expect(params.get('secret')).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('URI-encodes the label parts and the issuer parameter', () => {
    const uri = buildOtpauthURI({
      issuer: 'Edge 2FA & Co',
      accountName: 'bob+tfa@example.com',
      secretBase32,
    });
    expect(uri).toMatch(/^otpauth:\/\/totp\/Edge%202FA%20%26%20Co:bob%2Btfa%40example\.com\?/);
    expect(new URL(uri).searchParams.get('issuer')).toBe('Edge 2FA & Co');
  });

  it('refuses an issuer containing ":" and a secret that is not base32', () => {
    expect(() => buildOtpauthURI({ issuer: 'a:b', accountName: 'x', secretBase32 })).toThrow(TypeError);
    expect(() => buildOtpauthURI({ issuer: 'a', accountName: 'x', secretBase32: 'abc=' })).toThrow(TypeError);
  });
});
