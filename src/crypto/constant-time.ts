// Comparisons of secrets (codes, tokens, password hashes) whose running time does not depend on where
// the inputs first differ, so an attacker cannot learn a secret byte by byte from response times.
import { encodeUTF8 } from './encoding';

type SubtleWithTimingSafeEqual = SubtleCrypto & {
  timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean;
};

function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? encodeUTF8(value) : value;
}

/**
 * True iff both values hold the same bytes (strings compare as UTF-8). Runs over the longer length
 * whatever the inputs: different lengths give false without an early exit (only the length itself, which
 * is not secret for our fixed-size codes and hashes, can influence the time).
 */
export function timingSafeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const left = toBytes(a);
  const right = toBytes(b);
  const length = Math.max(left.length, right.length);
  // Both sides padded to the same length so the byte comparison below always covers `length` bytes.
  const paddedLeft = new Uint8Array(length);
  const paddedRight = new Uint8Array(length);
  paddedLeft.set(left);
  paddedRight.set(right);
  const lengthsDiffer = left.length ^ right.length;
  if (length === 0) return true;

  // workerd provides a native constant-time comparison (equal lengths only, hence the padding).
  const subtle = crypto.subtle as SubtleWithTimingSafeEqual;
  if (typeof subtle.timingSafeEqual === 'function') {
    const bytesEqual = subtle.timingSafeEqual(paddedLeft, paddedRight);
    return bytesEqual && lengthsDiffer === 0;
  }

  let difference = lengthsDiffer;
  for (let index = 0; index < length; index++) {
    difference |= (paddedLeft[index] as number) ^ (paddedRight[index] as number);
  }
  return difference === 0;
}
