import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBase64, encodeBase64 } from '../../src/crypto/encoding';
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  verifyPassword,
  verifyPasswordAgainstDummy,
} from '../../src/crypto/password';
import { hashWithIterations } from '../support/passwords';

const STORED_HASH_FORMAT = /^\$pbkdf2-sha256\$i=100000\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PBKDF2 parameters', () => {
  it('pins the iteration count at exactly 100,000, the most production Workers accept (workerd#1346)', () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
  });
});

describe('hashPassword', () => {
  it('writes $pbkdf2-sha256$i=100000$<16-byte salt>$<32-byte hash> in unpadded standard base64', async () => {
    expect(await hashPassword('correct horse battery staple')).toMatch(STORED_HASH_FORMAT);
  });

  it('salts every hash: the same password hashes differently twice', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });
});

describe('verifyPassword', () => {
  it('accepts the right password with no rehash needed', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toEqual({
      valid: true,
      needsRehash: false,
    });
  });

  it('rejects a wrong password, including one differing only in case or by a trailing space', async () => {
    const stored = await hashPassword('Secret-1');
    for (const wrong of ['Secret-2', 'secret-1', 'Secret-1 ', '']) {
      expect(await verifyPassword(wrong, stored), wrong).toEqual({ valid: false, needsRehash: false });
    }
  });

  it('handles non-ASCII passwords as UTF-8', async () => {
    const stored = await hashPassword('pässwörd🔑');
    expect((await verifyPassword('pässwörd🔑', stored)).valid).toBe(true);
    expect((await verifyPassword('passwörd🔑', stored)).valid).toBe(false);
  });

  it('asks for a rehash when a valid password was hashed with fewer iterations', async () => {
    const stored = await hashWithIterations('old password', 1_000);
    expect(await verifyPassword('old password', stored)).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword('wrong password', stored)).toEqual({ valid: false, needsRehash: false });
  });

  it('rejects a stored hash truncated to 31 bytes, although it is a prefix of the derived bytes', async () => {
    const good = await hashPassword('pw');
    const hashText = good.split('$')[4] as string;
    const truncated = encodeBase64(decodeBase64(hashText).subarray(0, 31), { pad: false });
    expect(await verifyPassword('pw', good.replace(hashText, truncated))).toEqual({
      valid: false,
      needsRehash: false,
    });
  });

  it('treats a malformed or unsupported stored string as invalid instead of throwing', async () => {
    const good = await hashPassword('pw');
    const malformed = [
      '',
      'not a hash',
      good.replace('pbkdf2-sha256', 'pbkdf2-sha512'),
      good.replace('i=100000', 'i=0'),
      good.replace('i=100000', 'i=abc'),
      good.replace('i=100000', 'i=600000'), // above what production Workers can compute
      `${good}$extra`,
      good.slice(0, -1),
      good.replace(/\$([^$]+)$/, '$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'),
      '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', // bcrypt, as the original service used
    ];
    for (const stored of malformed) {
      expect(await verifyPassword('pw', stored), stored).toEqual({ valid: false, needsRehash: false });
    }
  });
});

describe('NFKC normalisation (NIST 800-63B §5.1.1.2)', () => {
  const composed = 'crème brûlée'.normalize('NFC');
  const decomposed = composed.normalize('NFD');

  it('hashes the NFKC form, so every normalisation form of a password verifies with no rehash', async () => {
    const stored = await hashPassword(decomposed);
    for (const typed of [composed, decomposed]) {
      expect(await verifyPassword(typed, stored)).toEqual({ valid: true, needsRehash: false });
    }
    expect(await verifyPassword('ｐｗ', await hashPassword('pw'))).toEqual({
      valid: true,
      needsRehash: false,
    });
  });

  it('verifies a hash of the raw, un-normalised input (stored before normalisation) and asks for a rehash', async () => {
    const legacy = await hashWithIterations(decomposed, PBKDF2_ITERATIONS);
    expect(await verifyPassword(decomposed, legacy)).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword(composed, legacy)).toEqual({ valid: false, needsRehash: false });
  });

  it('costs one derivation for a password NFKC leaves alone, two for one it changes, whatever the outcome', async () => {
    const stored = await hashPassword('pw');
    const deriveBits = vi.spyOn(crypto.subtle, 'deriveBits');
    await verifyPassword('wrong', stored);
    expect(deriveBits).toHaveBeenCalledTimes(1);
    await verifyPassword(decomposed, stored);
    await verifyPasswordAgainstDummy(decomposed);
    expect(deriveBits).toHaveBeenCalledTimes(5);
  });
});

describe('verifyPasswordAgainstDummy', () => {
  it('always answers false', async () => {
    expect(await verifyPasswordAgainstDummy('anything')).toBe(false);
    expect(await verifyPasswordAgainstDummy('')).toBe(false);
  });

  it('spends the same PBKDF2 work as verifying a real hash, so unknown emails cost the same time', async () => {
    const stored = await hashPassword('pw');
    const deriveBits = vi.spyOn(crypto.subtle, 'deriveBits');
    await verifyPassword('wrong', stored);
    await verifyPasswordAgainstDummy('wrong');
    expect(deriveBits).toHaveBeenCalledTimes(2);
    type DeriveBitsCall = [{ name: string; iterations: number }, CryptoKey, number];
    const [realCall, dummyCall] = deriveBits.mock.calls as unknown as [DeriveBitsCall, DeriveBitsCall];
    expect(dummyCall[0]).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS });
    expect(dummyCall[0].iterations).toBe(realCall[0].iterations);
    expect(dummyCall[2]).toBe(realCall[2]);
  });
});
