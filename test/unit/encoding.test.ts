import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  decodeBase64url,
  decodeHex,
  decodeUTF8,
  encodeBase64,
  encodeBase64url,
  encodeHex,
  encodeUTF8,
} from '../../src/crypto/encoding';

// RFC 4648 §10 test vectors.
const RFC_4648_VECTORS: [string, string, string][] = [
  ['', '', ''],
  ['f', 'Zg==', '66'],
  ['fo', 'Zm8=', '666f'],
  ['foo', 'Zm9v', '666f6f'],
  ['foob', 'Zm9vYg==', '666f6f62'],
  ['fooba', 'Zm9vYmE=', '666f6f6261'],
  ['foobar', 'Zm9vYmFy', '666f6f626172'],
];

describe('base64 (RFC 4648 §4)', () => {
  it.each(RFC_4648_VECTORS)('encodes and decodes the RFC 4648 §10 vector %j', (text, base64) => {
    expect(encodeBase64(encodeUTF8(text))).toBe(base64);
    expect(decodeUTF8(decodeBase64(base64))).toBe(text);
  });

  it('omits padding when asked, as the PHC string format requires, and decodes either form', () => {
    expect(encodeBase64(encodeUTF8('f'), { pad: false })).toBe('Zg');
    expect(decodeUTF8(decodeBase64('Zg'))).toBe('f');
  });

  it('rejects wrong padding, url-safe characters and non-canonical trailing bits', () => {
    expect(() => decodeBase64('Zg=')).toThrow(TypeError);
    expect(() => decodeBase64('-_8')).toThrow(TypeError);
    expect(() => decodeBase64('Zh==')).toThrow(TypeError);
  });
});

describe('base64url (RFC 4648 §5)', () => {
  it('uses - and _ and no padding', () => {
    expect(encodeBase64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(decodeBase64url('-_8')).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it('round-trips every length from 0 to 40 bytes', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      expect(decodeBase64url(encodeBase64url(bytes))).toEqual(bytes);
    }
  });

  it('rejects padding, standard-alphabet characters, an impossible length and non-canonical bits', () => {
    for (const bad of ['Zg==', '+/8', 'Zm9vY', 'Zh', 'Zm9v!', 'é']) {
      expect(() => decodeBase64url(bad), bad).toThrow(TypeError);
    }
  });
});

describe('hex and UTF-8', () => {
  it.each(RFC_4648_VECTORS)('encodes %j as lower-case hex and back', (text, _base64, hex) => {
    expect(encodeHex(encodeUTF8(text))).toBe(hex);
    expect(decodeUTF8(decodeHex(hex))).toBe(text);
  });

  it('rejects odd-length or non-hex input', () => {
    expect(() => decodeHex('abc')).toThrow(TypeError);
    expect(() => decodeHex('zz')).toThrow(TypeError);
  });

  it('round-trips non-ASCII text and refuses invalid UTF-8 instead of replacing it', () => {
    expect(decodeUTF8(encodeUTF8('pässwörd 🔑'))).toBe('pässwörd 🔑');
    expect(() => decodeUTF8(new Uint8Array([0xc3, 0x28]))).toThrow();
  });
});
