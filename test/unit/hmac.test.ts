import { describe, expect, it } from 'vitest';
import { encodeBase64url } from '../../src/crypto/encoding';
import { hashSecretToken, importHMACKey } from '../../src/crypto/hmac';

// Key bytes 0x00..0x1f; expected value computed independently (Node's crypto.createHmac).
const FIXED_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const FIXED_VECTOR = '698e14900e17ddcbacf4488da6ae4dde4bdb7bfe6da2c7c7eb54df2f650db4f8';

function randomKeyText(bytes = 32): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

describe('importHMACKey', () => {
  it('imports a 32-byte base64url key once per isolate', async () => {
    const text = randomKeyText();
    expect(await importHMACKey(text)).toBe(await importHMACKey(text));
  });

  it('refuses a key shorter than 32 bytes, without echoing it', async () => {
    const short = randomKeyText(16);
    const error = await importHMACKey(short).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/at least 32 random bytes, got 16/);
    expect((error as Error).message).not.toContain(short);
  });

  it('refuses text that is not base64url', async () => {
    await expect(importHMACKey('not base64url!')).rejects.toThrow(/base64url/);
    await expect(importHMACKey('')).rejects.toThrow(/at least 32/);
  });
});

describe('hashSecretToken', () => {
  it('is HMAC-SHA256 over "<purpose>:<token>" as lower-case hex (fixed vector)', async () => {
    const key = await importHMACKey(FIXED_KEY);
    expect(await hashSecretToken(key, 'backup-token', 'ABCD-EFGH-JKMN')).toBe(FIXED_VECTOR);
    expect(await hashSecretToken(key, 'backup-token', 'ABCD-EFGH-JKMP')).not.toBe(FIXED_VECTOR);
  });

  it('is deterministic for one key, so a stored hash can be looked up', async () => {
    const key = await importHMACKey(randomKeyText());
    expect(await hashSecretToken(key, 'email-code', '123456')).toBe(
      await hashSecretToken(key, 'email-code', '123456'),
    );
  });

  it('differs under another key: the database alone does not reveal the token', async () => {
    const [first, second] = await Promise.all([
      importHMACKey(randomKeyText()),
      importHMACKey(randomKeyText()),
    ]);
    expect(await hashSecretToken(first, 'email-code', '123456')).not.toBe(
      await hashSecretToken(second, 'email-code', '123456'),
    );
  });

  it('differs per purpose: an email code hash never matches a backup-token or reset lookup', async () => {
    const key = await importHMACKey(randomKeyText());
    const hashes = await Promise.all(
      (['backup-token', 'email-code', 'password-reset'] as const).map((purpose) =>
        hashSecretToken(key, purpose, 'SAME-VALUE'),
      ),
    );
    expect(new Set(hashes).size).toBe(3);
  });
});
