import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timingSafeEqual } from '../../src/crypto/constant-time';

const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: unknown };

function describeBothPaths(name: string, body: () => void) {
  describe(`${name} with workerd's crypto.subtle.timingSafeEqual`, () => {
    it('has the native comparison available', () => {
      expect(typeof subtle.timingSafeEqual).toBe('function');
    });
    body();
  });
  describe(`${name} with the XOR-loop fallback`, () => {
    // Shadow the native comparison on this instance so the fallback runs, then restore it.
    beforeEach(() => {
      Object.defineProperty(subtle, 'timingSafeEqual', { value: undefined, configurable: true });
      expect(subtle.timingSafeEqual).toBeUndefined();
    });
    afterEach(() => {
      Reflect.deleteProperty(subtle, 'timingSafeEqual');
    });
    body();
  });
}

describeBothPaths('timingSafeEqual', () => {
  it('is true for equal byte arrays and equal strings', () => {
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual('123456', '123456')).toBe(true);
    expect(timingSafeEqual('', '')).toBe(true);
  });

  it('is false when any byte differs, first or last', () => {
    expect(timingSafeEqual(new Uint8Array([9, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(timingSafeEqual('123456', '123457')).toBe(false);
  });

  it('is false for different lengths, even when one is a prefix of the other or empty', () => {
    expect(timingSafeEqual('12345', '123456')).toBe(false);
    expect(timingSafeEqual('123456', '12345')).toBe(false);
    expect(timingSafeEqual('', 'a')).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2, 0]), new Uint8Array([1, 2]))).toBe(false);
  });

  it('compares strings as UTF-8 bytes and mixes strings with byte arrays', () => {
    expect(timingSafeEqual('é', new Uint8Array([0xc3, 0xa9]))).toBe(true);
    expect(timingSafeEqual('é', 'e')).toBe(false);
  });
});
