import { describe, expect, it } from 'vitest';
import {
  decryptEnvelope,
  EnvelopeError,
  encryptToEnvelope,
  envelopeKeyId,
  isCurrentKeyEnvelope,
  parseEncryptionKeys,
} from '../../src/crypto/aead';
import { decodeBase64url, encodeBase64url } from '../../src/crypto/encoding';

function randomKey(bytes = 32): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

const AUTHENTICATION_FAILED = /failed authentication/;
const DEVICE_ID = 'device-5b0c7a1e';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** Replaces one base64url part of an envelope after flipping one bit of its bytes. */
function flipBit(envelope: string, partIndex: 2 | 3, byteIndex = 0): string {
  const parts = envelope.split('.');
  const bytes = decodeBase64url(parts[partIndex] as string);
  bytes[byteIndex] = (bytes[byteIndex] as number) ^ 0x01;
  parts[partIndex] = encodeBase64url(bytes);
  return parts.join('.');
}

describe('parseEncryptionKeys', () => {
  it('makes the first key current and keeps all for decryption', () => {
    const keyring = parseEncryptionKeys(`new:${randomKey()}, old:${randomKey()}`);
    expect(keyring.currentKeyId).toBe('new');
    expect(keyring.keyIds).toEqual(['new', 'old']);
  });

  it('refuses malformed specs with a message that names the problem and never the key', () => {
    const short = randomKey(16);
    const good = randomKey();
    const cases: [string, RegExp][] = [
      ['', /empty/],
      [good, /entry 1 is not "kid:base64url-key"/],
      [`k1:${short}`, /entry 1 \(key id "k1"\): the key must be 32 random bytes, got 16/],
      [`k1:${good},k1:${randomKey()}`, /entry 2: duplicate key id "k1"/],
      [`k.1:${good}`, /entry 1: the key id must be/],
      [`:${good}`, /entry 1: the key id must be/],
      [`k1:${good.replace(/^./, '+')}`, /not valid unpadded base64url/],
      [`k1:${good},`, /entry 2 is not/],
    ];
    for (const [spec, message] of cases) {
      let error: unknown;
      try {
        parseEncryptionKeys(spec);
      } catch (caught) {
        error = caught;
      }
      expect(error, spec).toBeInstanceOf(Error);
      expect((error as Error).message, spec).toMatch(message);
      expect((error as Error).message).not.toContain(good);
      expect((error as Error).message).not.toContain(short);
    }
  });
});

describe('encryptToEnvelope / decryptEnvelope', () => {
  const keyring = parseEncryptionKeys(`k1:${randomKey()}`);

  it('round-trips a value bound to its associated data', async () => {
    const envelope = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    expect(await decryptEnvelope(keyring, envelope, DEVICE_ID)).toBe(SECRET);
  });

  it('writes v1.<kid>.<96-bit IV>.<ciphertext and 128-bit tag>, all base64url', async () => {
    const envelope = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    expect(envelope).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    const ciphertext = decodeBase64url(envelope.split('.')[3] as string);
    expect(ciphertext).toHaveLength(SECRET.length + 16);
    expect(envelope).not.toContain(SECRET);
  });

  it('uses a fresh IV each time: the same plaintext never gives the same envelope', async () => {
    const first = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    const second = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    expect(first).not.toBe(second);
    expect(first.split('.')[2]).not.toBe(second.split('.')[2]);
  });

  it('round-trips the empty string and non-ASCII text', async () => {
    for (const plaintext of ['', 'ünïcødé 🔐']) {
      expect(await decryptEnvelope(keyring, await encryptToEnvelope(keyring, plaintext, 'x'), 'x')).toBe(
        plaintext,
      );
    }
  });

  it('rejects a ciphertext with one flipped bit (first byte, last tag byte)', async () => {
    const envelope = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    const length = decodeBase64url(envelope.split('.')[3] as string).length;
    await expect(decryptEnvelope(keyring, flipBit(envelope, 3, 0), DEVICE_ID)).rejects.toThrow(
      AUTHENTICATION_FAILED,
    );
    await expect(decryptEnvelope(keyring, flipBit(envelope, 3, length - 1), DEVICE_ID)).rejects.toThrow(
      AUTHENTICATION_FAILED,
    );
  });

  it('rejects a tampered IV', async () => {
    const envelope = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    await expect(decryptEnvelope(keyring, flipBit(envelope, 2), DEVICE_ID)).rejects.toThrow(
      AUTHENTICATION_FAILED,
    );
  });

  it('rejects an envelope moved to another owner (wrong associated data)', async () => {
    const envelope = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    await expect(decryptEnvelope(keyring, envelope, 'device-other')).rejects.toThrow(AUTHENTICATION_FAILED);
    await expect(decryptEnvelope(keyring, envelope, '')).rejects.toThrow(AUTHENTICATION_FAILED);
  });

  it('rejects an envelope whose kid is not in the keyring', async () => {
    const other = parseEncryptionKeys(`k9:${randomKey()}`);
    const envelope = await encryptToEnvelope(other, SECRET, DEVICE_ID);
    await expect(decryptEnvelope(keyring, envelope, DEVICE_ID)).rejects.toThrow(
      /unknown encryption key id "k9"/,
    );
  });

  it('rejects an envelope sealed under another key with the same kid', async () => {
    const impostor = parseEncryptionKeys(`k1:${randomKey()}`);
    const envelope = await encryptToEnvelope(impostor, SECRET, DEVICE_ID);
    await expect(decryptEnvelope(keyring, envelope, DEVICE_ID)).rejects.toThrow(AUTHENTICATION_FAILED);
  });

  it('rejects malformed envelopes', async () => {
    const envelope = await encryptToEnvelope(keyring, SECRET, DEVICE_ID);
    const [, kid, iv, ciphertext] = envelope.split('.') as [string, string, string, string];
    const malformed = [
      '',
      SECRET,
      `v2.${kid}.${iv}.${ciphertext}`,
      `v1.${kid}.${iv}`,
      `v1.${kid}.${iv}.${ciphertext}.extra`,
      `v1.${kid}.${iv}.${ciphertext}=`,
      `v1.${kid}.${iv.slice(0, -2)}.${ciphertext}`,
      `v1.${kid}.${iv}.${ciphertext.slice(0, 10)}`,
      `v1.${kid}.${iv}.`,
      `v1..${iv}.${ciphertext}`,
    ];
    for (const bad of malformed) {
      await expect(decryptEnvelope(keyring, bad, DEVICE_ID), bad).rejects.toThrow(EnvelopeError);
    }
  });
});

describe('key rotation', () => {
  it('still opens a value sealed under the old key after a new key becomes current', async () => {
    const oldKey = randomKey();
    const before = parseEncryptionKeys(`old:${oldKey}`);
    const envelope = await encryptToEnvelope(before, SECRET, DEVICE_ID);

    const after = parseEncryptionKeys(`new:${randomKey()},old:${oldKey}`);
    expect(await decryptEnvelope(after, envelope, DEVICE_ID)).toBe(SECRET);
    expect(envelopeKeyId(envelope)).toBe('old');
    expect(isCurrentKeyEnvelope(after, envelope)).toBe(false);

    const resealed = await encryptToEnvelope(after, SECRET, DEVICE_ID);
    expect(envelopeKeyId(resealed)).toBe('new');
    expect(isCurrentKeyEnvelope(after, resealed)).toBe(true);
  });

  it('no longer opens old values once the old key is removed', async () => {
    const oldKey = randomKey();
    const envelope = await encryptToEnvelope(parseEncryptionKeys(`old:${oldKey}`), SECRET, DEVICE_ID);
    await expect(
      decryptEnvelope(parseEncryptionKeys(`new:${randomKey()}`), envelope, DEVICE_ID),
    ).rejects.toThrow(EnvelopeError);
  });

  it('envelopeKeyId throws EnvelopeError on a malformed envelope', () => {
    expect(() => envelopeKeyId('garbage')).toThrow(EnvelopeError);
  });
});
