// Byte/text encodings used by the crypto modules. Hand-written rather than Uint8Array.toBase64 so the same
// code runs in workerd and Node; the decoders are strict (RFC 4648 §3.3, §3.5): they reject characters
// outside the alphabet and non-canonical trailing bits, so one byte string has exactly one encoding.

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function buildReverseLookup(alphabet: string): Int16Array {
  const lookup = new Int16Array(128).fill(-1);
  for (let index = 0; index < alphabet.length; index++) lookup[alphabet.charCodeAt(index)] = index;
  return lookup;
}

const BASE64_LOOKUP = buildReverseLookup(BASE64_ALPHABET);
const BASE64URL_LOOKUP = buildReverseLookup(BASE64URL_ALPHABET);

function encodeWithAlphabet(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let output = '';
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const chunk =
      ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8) | (bytes[index + 2] as number);
    output +=
      alphabet.charAt((chunk >> 18) & 63) +
      alphabet.charAt((chunk >> 12) & 63) +
      alphabet.charAt((chunk >> 6) & 63) +
      alphabet.charAt(chunk & 63);
  }
  const remaining = bytes.length - index;
  if (remaining === 1) {
    const chunk = (bytes[index] as number) << 16;
    output += alphabet.charAt((chunk >> 18) & 63) + alphabet.charAt((chunk >> 12) & 63) + (pad ? '==' : '');
  } else if (remaining === 2) {
    const chunk = ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8);
    output +=
      alphabet.charAt((chunk >> 18) & 63) +
      alphabet.charAt((chunk >> 12) & 63) +
      alphabet.charAt((chunk >> 6) & 63) +
      (pad ? '=' : '');
  }
  return output;
}

function decodeWithLookup(text: string, lookup: Int16Array, name: string): Uint8Array {
  // A lone trailing character carries only 6 bits: never a whole byte.
  if (text.length % 4 === 1) throw new TypeError(`Invalid ${name}: bad length`);
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bitCount = 0;
  let byteIndex = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const value = code < 128 ? (lookup[code] as number) : -1;
    if (value < 0) throw new TypeError(`Invalid ${name}: unexpected character at position ${index}`);
    buffer = ((buffer << 6) | value) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes[byteIndex++] = (buffer >> bitCount) & 0xff;
    }
  }
  // RFC 4648 §3.5: the unused low bits of the last character must be zero (canonical encoding).
  if ((buffer & ((1 << bitCount) - 1)) !== 0) throw new TypeError(`Invalid ${name}: non-canonical encoding`);
  return bytes;
}

/** Base64url without padding (RFC 4648 §5), as used by JOSE and our envelopes. */
export function encodeBase64url(bytes: Uint8Array): string {
  return encodeWithAlphabet(bytes, BASE64URL_ALPHABET, false);
}

/** Strict base64url decoder: no padding, no standard-alphabet characters, canonical trailing bits. */
export function decodeBase64url(text: string): Uint8Array {
  return decodeWithLookup(text, BASE64URL_LOOKUP, 'base64url');
}

/** Standard base64 (RFC 4648 §4); padded unless `{ pad: false }` (the PHC string format omits padding). */
export function encodeBase64(bytes: Uint8Array, options: { pad?: boolean } = {}): string {
  return encodeWithAlphabet(bytes, BASE64_ALPHABET, options.pad ?? true);
}

/** Strict standard base64 decoder; accepts the text with or without its `=` padding. */
export function decodeBase64(text: string): Uint8Array {
  const unpadded = text.replace(/={1,2}$/, '');
  if (unpadded.length !== text.length && text.length % 4 !== 0)
    throw new TypeError('Invalid base64: bad padding');
  return decodeWithLookup(unpadded, BASE64_LOOKUP, 'base64');
}

export function encodeHex(bytes: Uint8Array): string {
  let output = '';
  for (const byte of bytes) output += byte.toString(16).padStart(2, '0');
  return output;
}

export function decodeHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new TypeError('Invalid hex');
  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index++)
    bytes[index] = Number.parseInt(text.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

export function encodeUTF8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Throws on invalid UTF-8 rather than inserting U+FFFD, so corrupted plaintext never passes silently. */
export function decodeUTF8(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}
