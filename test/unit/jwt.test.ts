import { jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url, encodeUTF8 } from '../../src/crypto/encoding';
import {
  InvalidTokenError,
  loadSigningKeys,
  publicJWKS,
  type SigningKeys,
  signToken,
  type TokenKind,
  verifyToken,
} from '../../src/crypto/jwt';

const ISSUER = 'https://edge-2fa.test';
const AUDIENCE = 'edge-2fa';
const NOW_SECONDS = 1_800_000_000;
const KINDS: TokenKind[] = ['access', 'refresh', 'pre_tfa'];
const TYPES: Record<TokenKind, string> = { access: 'at+jwt', refresh: 'refresh+jwt', pre_tfa: 'pre-tfa+jwt' };

type PrivateJWK = JsonWebKey & { kid: string };

async function generateSigningJWK(kid: string): Promise<PrivateJWK> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  return { ...jwk, kid, alg: 'EdDSA', use: 'sig' };
}

function keySetJSON(...keys: object[]): string {
  return JSON.stringify({ keys });
}

const signOptions = { issuer: ISSUER, audience: AUDIENCE, expiresInSeconds: 300, nowSeconds: NOW_SECONDS };
const verifyOptions = { issuer: ISSUER, audience: AUDIENCE, nowSeconds: NOW_SECONDS + 10 };

async function expectInvalid(promise: Promise<unknown>, reason: 'expired' | 'invalid' = 'invalid') {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect((error as InvalidTokenError).reason).toBe(reason);
  expect((error as InvalidTokenError).message).toBe(reason === 'expired' ? 'token expired' : 'token invalid');
}

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(decodeBase64url(token.split('.')[index] as string)));
}

function encodePart(value: object): string {
  return encodeBase64url(encodeUTF8(JSON.stringify(value)));
}

let signingJWK: PrivateJWK;
let keys: SigningKeys;

beforeAll(async () => {
  signingJWK = await generateSigningJWK('sig-1');
  keys = await loadSigningKeys(keySetJSON(signingJWK));
});

describe('loadSigningKeys', () => {
  it('signs with the first key and verifies with every key of the set', async () => {
    const second = await generateSigningJWK('sig-0');
    const set = await loadSigningKeys(keySetJSON(signingJWK, second));
    expect(set.signing.kid).toBe('sig-1');
    expect([...set.verification.keys()]).toEqual(['sig-1', 'sig-0']);
  });

  it('parses each JSON string once per isolate', async () => {
    const json = keySetJSON(signingJWK);
    expect(await loadSigningKeys(json)).toBe(await loadSigningKeys(json));
  });

  it('refuses malformed sets with a clear message that never contains the private key', async () => {
    const { d: _d, ...publicOnly } = signingJWK;
    const { kid: _kid, ...withoutKid } = signingJWK;
    const ecKey = (await crypto.subtle.exportKey(
      'jwk',
      (
        (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
          'sign',
        ])) as CryptoKeyPair
      ).privateKey,
    )) as JsonWebKey;
    const other = await generateSigningJWK('sig-x');
    const cases: [string, RegExp][] = [
      [`${JSON.stringify(signingJWK)}{`, /not JSON/],
      ['{"keys":[]}', /at least one key/],
      [JSON.stringify(signingJWK), /at least one key/],
      [keySetJSON({ ...ecKey, kid: 'ec' }), /key 1 is not an Ed25519 key/],
      [keySetJSON(withoutKid), /key 1 has no "kid"/],
      [keySetJSON(publicOnly), /key 1 \(kid "sig-1"\) is not a private key/],
      [keySetJSON(signingJWK, { ...other, kid: 'sig-1' }), /duplicate kid "sig-1"/],
      [keySetJSON({ ...signingJWK, alg: 'HS256' }), /alg other than EdDSA/],
      [keySetJSON({ ...signingJWK, x: other.x }), /"x" is not the public key of "d"/],
      [keySetJSON({ ...signingJWK, d: 'AAAA' }), /not a valid Ed25519 key/],
    ];
    for (const [json, message] of cases) {
      const error = await loadSigningKeys(json).catch((caught: unknown) => caught);
      expect(error, json).toBeInstanceOf(Error);
      expect((error as Error).message, json).toMatch(message);
      expect((error as Error).message).not.toContain(signingJWK.d as string);
    }
  });
});

describe('publicJWKS', () => {
  it('publishes kty, crv, x, kid, alg and use, and never the private "d"', () => {
    const jwks = publicJWKS(keys);
    expect(jwks.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: signingJWK.x, kid: 'sig-1', alg: 'EdDSA', use: 'sig' },
    ]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    expect(JSON.stringify(jwks)).not.toContain(signingJWK.d as string);
  });
});

describe('signToken', () => {
  it.each(KINDS)(
    'gives a %s token alg EdDSA, its own typ, the kid, and iss/aud/sub/iat/exp/jti',
    async (kind) => {
      const token = await signToken(keys, kind, { sub: 'user-1', amr: ['pwd'] }, signOptions);
      expect(decodePart(token, 0)).toEqual({ alg: 'EdDSA', typ: TYPES[kind], kid: 'sig-1' });
      const payload = decodePart(token, 1);
      expect(payload).toMatchObject({
        sub: 'user-1',
        amr: ['pwd'],
        iss: ISSUER,
        aud: { access: AUDIENCE, refresh: `${AUDIENCE}:refresh`, pre_tfa: `${AUDIENCE}:pre-tfa` }[kind],
        iat: NOW_SECONDS,
        exp: NOW_SECONDS + 300,
      });
      expect(payload.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    },
  );

  it('uses the jti it is given', async () => {
    const token = await signToken(keys, 'pre_tfa', { sub: 'user-1' }, { ...signOptions, jti: 'challenge-7' });
    expect(decodePart(token, 1).jti).toBe('challenge-7');
  });

  it('does not let claims override the issuer, audience or lifetime', async () => {
    const token = await signToken(
      keys,
      'access',
      { sub: 'user-1', iss: 'evil', aud: 'other', exp: NOW_SECONDS + 999_999 },
      signOptions,
    );
    expect(decodePart(token, 1)).toMatchObject({ iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 300 });
  });
});

describe('verifyToken', () => {
  it.each(KINDS)('accepts a %s token as its own kind and returns its claims', async (kind) => {
    const token = await signToken(keys, kind, { sub: 'user-1', amr: ['pwd', 'otp'] }, signOptions);
    const payload = await verifyToken(keys, kind, token, verifyOptions);
    expect(payload).toMatchObject({ sub: 'user-1', amr: ['pwd', 'otp'], iss: ISSUER });
  });

  const crossings = KINDS.flatMap((signed) =>
    KINDS.filter((other) => other !== signed).map((expected) => [signed, expected]),
  );
  it.each(crossings)('rejects a %s token presented as a %s token', async (signed, expected) => {
    const token = await signToken(keys, signed as TokenKind, { sub: 'user-1' }, signOptions);
    await expectInvalid(verifyToken(keys, expected as TokenKind, token, verifyOptions));
  });

  it('keeps kinds apart by audience too, for a verifier that ignores typ (RFC 8725 §3.12)', async () => {
    const refresh = await signToken(keys, 'refresh', { sub: 'user-1' }, signOptions);
    const publicKey = keys.verification.get('sig-1') as CryptoKey;
    await expect(
      jwtVerify(refresh, publicKey, {
        algorithms: ['EdDSA'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(NOW_SECONDS * 1000),
      }),
    ).rejects.toMatchObject({ claim: 'aud' });
  });

  it('rejects a token with the right audience but another or no typ (RFC 8725 §3.11)', async () => {
    const sign = (typ: string | undefined) =>
      new SignJWT({ sub: 'user-1' })
        .setProtectedHeader(typ ? { alg: 'EdDSA', typ, kid: 'sig-1' } : { alg: 'EdDSA', kid: 'sig-1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(NOW_SECONDS)
        .setExpirationTime(NOW_SECONDS + 300)
        .setJti('j')
        .sign(keys.signing.privateKey);
    await expect(verifyToken(keys, 'access', await sign('at+jwt'), verifyOptions)).resolves.toBeTruthy();
    for (const typ of ['JWT', 'refresh+jwt', undefined]) {
      await expectInvalid(verifyToken(keys, 'access', await sign(typ), verifyOptions));
    }
  });

  it('accepts a token until it expires and rejects it as expired afterwards', async () => {
    const token = await signToken(keys, 'access', { sub: 'user-1' }, signOptions);
    await expect(
      verifyToken(keys, 'access', token, { ...verifyOptions, nowSeconds: NOW_SECONDS + 299 }),
    ).resolves.toBeTruthy();
    await expectInvalid(
      verifyToken(keys, 'access', token, { ...verifyOptions, nowSeconds: NOW_SECONDS + 301 }),
      'expired',
    );
  });

  it('rejects another issuer or audience', async () => {
    const token = await signToken(keys, 'access', { sub: 'user-1' }, signOptions);
    await expectInvalid(verifyToken(keys, 'access', token, { ...verifyOptions, issuer: 'https://other' }));
    await expectInvalid(verifyToken(keys, 'access', token, { ...verifyOptions, audience: 'other' }));
  });

  it('rejects a token signed by another key under the same kid (wrong signature)', async () => {
    const impostor = await loadSigningKeys(keySetJSON(await generateSigningJWK('sig-1')));
    const token = await signToken(impostor, 'access', { sub: 'user-1' }, signOptions);
    await expectInvalid(verifyToken(keys, 'access', token, verifyOptions));
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const token = await signToken(keys, 'access', { sub: 'user-1' }, signOptions);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${encodePart({ ...decodePart(token, 1), sub: 'admin' })}.${signature}`;
    await expectInvalid(verifyToken(keys, 'access', forged, verifyOptions));
  });

  it('rejects a token with an unknown kid, or none', async () => {
    const stranger = await loadSigningKeys(keySetJSON(await generateSigningJWK('sig-unknown')));
    await expectInvalid(
      verifyToken(
        keys,
        'access',
        await signToken(stranger, 'access', { sub: 'u' }, signOptions),
        verifyOptions,
      ),
    );
    const withoutKid = await new SignJWT({ sub: 'u', jti: 'j' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(NOW_SECONDS)
      .setExpirationTime(NOW_SECONDS + 300)
      .sign(keys.signing.privateKey);
    await expectInvalid(verifyToken(keys, 'access', withoutKid, verifyOptions));
  });

  it('rejects an unsigned token (alg "none")', async () => {
    const valid = await signToken(keys, 'access', { sub: 'user-1' }, signOptions);
    const unsigned = `${encodePart({ alg: 'none', typ: 'at+jwt', kid: 'sig-1' })}.${valid.split('.')[1]}.`;
    await expectInvalid(verifyToken(keys, 'access', unsigned, verifyOptions));
  });

  it('rejects an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const payload = decodePart(await signToken(keys, 'access', { sub: 'user-1' }, signOptions), 1);
    const hs256 = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'sig-1' })
      .sign(encodeUTF8(signingJWK.x as string));
    await expectInvalid(verifyToken(keys, 'access', hs256, verifyOptions));
  });

  it('rejects a validly signed token missing jti or sub', async () => {
    const base = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'sig-1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(NOW_SECONDS)
        .setExpirationTime(NOW_SECONDS + 300);
    await expectInvalid(
      verifyToken(keys, 'access', await base().setSubject('u').sign(keys.signing.privateKey), verifyOptions),
    );
    await expectInvalid(
      verifyToken(keys, 'access', await base().setJti('j').sign(keys.signing.privateKey), verifyOptions),
    );
  });

  it('rejects garbage', async () => {
    for (const garbage of ['', 'a.b.c', 'not a token', `${encodePart({ alg: 'EdDSA' })}..`]) {
      await expectInvalid(verifyToken(keys, 'access', garbage, verifyOptions));
    }
  });

  it('after a rotation, verifies tokens signed with the previous key and signs with the new one', async () => {
    const previous = keys;
    const token = await signToken(previous, 'refresh', { sub: 'user-1' }, signOptions);
    const rotated = await loadSigningKeys(keySetJSON(await generateSigningJWK('sig-2'), signingJWK));
    await expect(verifyToken(rotated, 'refresh', token, verifyOptions)).resolves.toMatchObject({
      sub: 'user-1',
    });
    const fresh = await signToken(rotated, 'access', { sub: 'user-1' }, signOptions);
    expect(decodePart(fresh, 0).kid).toBe('sig-2');
  });
});
