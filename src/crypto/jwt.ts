// JWTs for the three token kinds, signed with Ed25519 (EdDSA, RFC 8037) through jose.
//
// RFC 8725 §3.11 (explicit typing) and §3.12 (cross-JWT confusion): every kind has its own `typ` header
// AND its own audience, and every verifier pins the algorithm, the type, the issuer and the audience, so a
// refresh or pre-TFA token is never accepted where an access token is expected, even by a verifier that
// forgot to check `typ`. The algorithm list is pinned to EdDSA (RFC 8725 §2.1, §3.1): `alg: none` and
// HMAC tokens made with the public key as secret are refused before any key is used.
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { encodeUTF8 } from './encoding';

export type TokenKind = 'access' | 'refresh' | 'pre_tfa';

export const JWT_ALGORITHM = 'EdDSA';

/** `at+jwt` is RFC 9068 §2.1's type for access tokens; the other two are this service's own. */
export const TOKEN_TYPES: Readonly<Record<TokenKind, string>> = {
  access: 'at+jwt',
  refresh: 'refresh+jwt',
  pre_tfa: 'pre-tfa+jwt',
};

const AUDIENCE_SUFFIXES: Readonly<Record<TokenKind, string>> = {
  access: '',
  refresh: ':refresh',
  pre_tfa: ':pre-tfa',
};

/** The `aud` a token of this kind carries: access tokens use the configured audience as is. */
export function audienceForKind(kind: TokenKind, audience: string): string {
  return `${audience}${AUDIENCE_SUFFIXES[kind]}`;
}

export type PublicSigningJWK = {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
};

export type SigningKeys = {
  /** The first key of the set: signs every new token. */
  readonly signing: { readonly kid: string; readonly privateKey: CryptoKey };
  /** Every key of the set by kid: verifies tokens signed before a rotation. */
  readonly verification: ReadonlyMap<string, CryptoKey>;
  readonly publicKeys: readonly PublicSigningJWK[];
};

export type InvalidTokenReason = 'expired' | 'invalid';

/** Any token that must not be trusted. The message is generic: jose's details stay out of responses. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason) {
    super(reason === 'expired' ? 'token expired' : 'token invalid');
    this.reason = reason;
  }
}

const ED25519 = { name: 'Ed25519' } as const;
const SELF_TEST_MESSAGE = encodeUTF8('edge-2fa/jwt/key-check');

type LoadedKey = { kid: string; privateKey: CryptoKey; publicKey: CryptoKey; publicJWK: PublicSigningJWK };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function loadSigningKey(candidate: unknown, position: string): Promise<LoadedKey> {
  if (!isRecord(candidate)) throw new Error(`${position} is not a JWK object`);
  const { kty, crv, x, d, kid, alg, use } = candidate;
  if (kty !== 'OKP' || crv !== 'Ed25519')
    throw new Error(`${position} is not an Ed25519 key (kty "OKP", crv "Ed25519")`);
  if (typeof kid !== 'string' || kid.length === 0) throw new Error(`${position} has no "kid"`);
  if (typeof x !== 'string' || typeof d !== 'string') {
    throw new Error(`${position} (kid "${kid}") is not a private key: "x" and "d" are required`);
  }
  if (alg !== undefined && alg !== JWT_ALGORITHM)
    throw new Error(`${position} (kid "${kid}") has alg other than EdDSA`);
  if (use !== undefined && use !== 'sig')
    throw new Error(`${position} (kid "${kid}") has use other than "sig"`);
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    // Only the key members are imported: WebCrypto checks alg/use/key_ops against its own names.
    privateKey = await crypto.subtle.importKey('jwk', { kty, crv, x, d }, ED25519, false, ['sign']);
    publicKey = await crypto.subtle.importKey('jwk', { kty, crv, x }, ED25519, false, ['verify']);
  } catch {
    throw new Error(`${position} (kid "${kid}") is not a valid Ed25519 key`);
  }
  // "x" must be the public half of "d", or every token signed with this key would fail to verify.
  const signature = await crypto.subtle.sign(ED25519, privateKey, SELF_TEST_MESSAGE);
  if (!(await crypto.subtle.verify(ED25519, publicKey, signature, SELF_TEST_MESSAGE))) {
    throw new Error(`${position} (kid "${kid}"): "x" is not the public key of "d"`);
  }
  return {
    kid,
    privateKey,
    publicKey,
    publicJWK: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' },
  };
}

async function parseSigningKeys(jwkSetJSON: string): Promise<SigningKeys> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwkSetJSON);
  } catch {
    // Not the parser's message: V8 quotes part of the input, which here is a private key.
    throw new Error('expected JSON {"keys":[Ed25519 private JWK with kid, ...]}, got text that is not JSON');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    throw new Error('expected JSON {"keys":[Ed25519 private JWK with kid, ...]} with at least one key');
  }
  const loaded = await Promise.all(parsed.keys.map((key, index) => loadSigningKey(key, `key ${index + 1}`)));
  const verification = new Map<string, CryptoKey>();
  for (const key of loaded) {
    if (verification.has(key.kid)) throw new Error(`duplicate kid "${key.kid}"`);
    verification.set(key.kid, key.publicKey);
  }
  const [first] = loaded as [LoadedKey, ...LoadedKey[]];
  return {
    signing: { kid: first.kid, privateKey: first.privateKey },
    verification,
    publicKeys: loaded.map((key) => key.publicJWK),
  };
}

const loadedKeySets = new Map<string, Promise<SigningKeys>>();

/** Parses JWT_SIGNING_KEYS once per isolate. Errors name the key by position and kid, never its material. */
export function loadSigningKeys(jwkSetJSON: string): Promise<SigningKeys> {
  let keys = loadedKeySets.get(jwkSetJSON);
  if (!keys) {
    keys = parseSigningKeys(jwkSetJSON);
    loadedKeySets.set(jwkSetJSON, keys);
    keys.catch(() => loadedKeySets.delete(jwkSetJSON));
  }
  return keys;
}

/** The JWK Set to publish: public members only, never "d". */
export function publicJWKS(keys: SigningKeys): { keys: JsonWebKey[] } {
  return { keys: keys.publicKeys.map(({ kty, crv, x, kid, alg, use }) => ({ kty, crv, x, kid, alg, use })) };
}

export type SignTokenOptions = {
  issuer: string;
  audience: string;
  expiresInSeconds: number;
  nowSeconds?: number;
  jti?: string;
};

function currentUnixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Signs a token of one kind. iss/aud/iat/exp/jti are set here and override the same names in `claims`. */
export async function signToken(
  keys: SigningKeys,
  kind: TokenKind,
  claims: { sub: string; [claim: string]: unknown },
  options: SignTokenOptions,
): Promise<string> {
  if (!Number.isInteger(options.expiresInSeconds) || options.expiresInSeconds <= 0) {
    throw new RangeError('expiresInSeconds must be a positive integer');
  }
  const issuedAtSeconds = options.nowSeconds ?? currentUnixSeconds();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: JWT_ALGORITHM, typ: TOKEN_TYPES[kind], kid: keys.signing.kid })
    .setSubject(claims.sub)
    .setIssuer(options.issuer)
    .setAudience(audienceForKind(kind, options.audience))
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(issuedAtSeconds + options.expiresInSeconds)
    .setJti(options.jti ?? crypto.randomUUID())
    .sign(keys.signing.privateKey);
}

export type VerifyTokenOptions = { issuer: string; audience: string; nowSeconds?: number };

/**
 * Verifies a token as exactly one kind; throws InvalidTokenError ('expired' or 'invalid') for anything
 * else: bad signature, unknown kid, other algorithm, other kind, other issuer, missing claims.
 */
export async function verifyToken(
  keys: SigningKeys,
  kind: TokenKind,
  token: string,
  options: VerifyTokenOptions,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      (header) => {
        // The key comes from our own set by kid, never from the token (no jwk/jku/x5u: RFC 8725 §3.10).
        const key = typeof header.kid === 'string' ? keys.verification.get(header.kid) : undefined;
        if (!key) throw new InvalidTokenError('invalid');
        return key;
      },
      {
        algorithms: [JWT_ALGORITHM],
        typ: TOKEN_TYPES[kind],
        issuer: options.issuer,
        audience: audienceForKind(kind, options.audience),
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        currentDate: options.nowSeconds === undefined ? undefined : new Date(options.nowSeconds * 1000),
      },
    ));
  } catch (error) {
    throw new InvalidTokenError(error instanceof errors.JWTExpired ? 'expired' : 'invalid');
  }
  if (
    typeof payload.sub !== 'string' ||
    payload.sub === '' ||
    typeof payload.jti !== 'string' ||
    payload.jti === ''
  ) {
    throw new InvalidTokenError('invalid');
  }
  return payload;
}
