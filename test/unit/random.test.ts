import { describe, expect, it } from 'vitest';
import {
  BACKUP_TOKEN_ALPHABET,
  generateBackupToken,
  generateNumericCode,
  normalizeBackupToken,
  randomBytes,
} from '../../src/crypto/random';

const BACKUP_TOKEN_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

describe('randomBytes', () => {
  it('returns the requested number of bytes, including more than one getRandomValues call allows', () => {
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(16)).toHaveLength(16);
    expect(randomBytes(70_000)).toHaveLength(70_000);
  });

  it('returns different bytes on every call', () => {
    expect(randomBytes(16)).not.toEqual(randomBytes(16));
  });

  it('refuses a negative or fractional length', () => {
    expect(() => randomBytes(-1)).toThrow(RangeError);
    expect(() => randomBytes(1.5)).toThrow(RangeError);
  });
});

describe('generateNumericCode', () => {
  it('returns exactly the requested number of ASCII digits', () => {
    for (const digits of [1, 6, 8, 12]) {
      expect(generateNumericCode(digits)).toMatch(new RegExp(`^[0-9]{${digits}}$`));
    }
  });

  it('refuses a digit count outside 1–64', () => {
    expect(() => generateNumericCode(0)).toThrow(RangeError);
    expect(() => generateNumericCode(65)).toThrow(RangeError);
    expect(() => generateNumericCode(2.5)).toThrow(RangeError);
  });

  it('draws every digit about equally often (no modulo bias)', () => {
    const counts = new Array<number>(10).fill(0);
    const sample = Array.from({ length: 500 }, () => generateNumericCode(40)).join('');
    for (const digit of sample) counts[Number(digit)] = (counts[Number(digit)] ?? 0) + 1;
    // 20,000 digits: each is expected 2,000 times, σ ≈ 42; a byte % 10 bias would push 0–5 to ~2,030+
    // systematically, but a ±300 band only catches gross errors and essentially never fails by chance.
    for (const count of counts) expect(count).toBeGreaterThan(1_700);
    for (const count of counts) expect(count).toBeLessThan(2_300);
  });
});

describe('backup tokens', () => {
  it('are 12 Crockford base32 characters grouped XXXX-XXXX-XXXX (60 bits)', () => {
    expect(BACKUP_TOKEN_ALPHABET).toHaveLength(32);
    expect(BACKUP_TOKEN_ALPHABET).not.toMatch(/[ILOU]/);
    for (let draw = 0; draw < 200; draw++) expect(generateBackupToken()).toMatch(BACKUP_TOKEN_FORMAT);
  });

  it('never repeat over 10,000 draws', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, generateBackupToken));
    expect(tokens.size).toBe(10_000);
  });

  it('use every character of the alphabet', () => {
    const seen = new Set(Array.from({ length: 200 }, generateBackupToken).join('').replaceAll('-', ''));
    expect(seen.size).toBe(32);
  });

  it('normalize to the generated form unchanged', () => {
    const token = generateBackupToken();
    expect(normalizeBackupToken(token)).toBe(token);
  });

  it('normalize lower case, spaces, missing or extra dashes', () => {
    expect(normalizeBackupToken('7k3m-q9xd-2hvb')).toBe('7K3M-Q9XD-2HVB');
    expect(normalizeBackupToken('7K3MQ9XD2HVB')).toBe('7K3M-Q9XD-2HVB');
    expect(normalizeBackupToken(' 7K3M Q9XD 2HVB\n')).toBe('7K3M-Q9XD-2HVB');
    expect(normalizeBackupToken('7K-3M-Q9-XD-2H-VB')).toBe('7K3M-Q9XD-2HVB');
  });

  it('normalize the Crockford look-alikes O→0, I→1 and L→1', () => {
    expect(normalizeBackupToken('OOOO-IIII-LLLL')).toBe('0000-1111-1111');
    expect(normalizeBackupToken('oooo-iiii-llll')).toBe('0000-1111-1111');
  });

  it('reject input that cannot be a token', () => {
    for (const bad of [
      '',
      '7K3M-Q9XD-2HV',
      '7K3M-Q9XD-2HVBX',
      'UUUU-UUUU-UUUU',
      '7K3M_Q9XD_2HVB',
      '7K3M-Q9XD-2HV*',
      'x'.repeat(1000),
    ]) {
      expect(normalizeBackupToken(bad), bad).toBeNull();
    }
  });
});
