/**
 * The small pure pieces of the submission path: the inquiry password is the same 80 bits,
 * letters and grouping as its definition (a retry's password derived from the Idempotency-Key
 * must never change), and ids are time-ordered version 7 UUIDs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { passwordOf, timeOrderedUuid } from './procedures.secrets.ts';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** The definition: the first 80 bits as a number, five bits a letter from the lowest. */
function passwordByDefinition(bytes: Buffer): string {
  let bits = 0n;
  for (const b of bytes.subarray(0, 10)) bits = (bits << 8n) | BigInt(b);
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += ALPHABET[Number(bits & 31n)];
    bits >>= 5n;
  }
  return s.match(/.{4}/g)!.join('-');
}

describe('procedures secrets', () => {
  it('makes the inquiry password from 80 bits exactly as defined', () => {
    for (let i = 0; i < 5000; i++) {
      const b = randomBytes(i % 2 ? 10 : 32);
      assert.equal(passwordOf(b), passwordByDefinition(b));
    }
    assert.equal(passwordOf(Buffer.alloc(10)), 'AAAA-AAAA-AAAA-AAAA');
    assert.match(passwordOf(Buffer.alloc(10, 255)), /^9999-9999-9999-9999$/);
  });

  it('makes time-ordered version 7 UUIDs: the time first, then random bits', () => {
    const at = new Date(Date.UTC(2026, 11, 2, 8, 0, 0, 123));
    const ids = Array.from({ length: 1000 }, () => timeOrderedUuid(at));
    for (const id of ids) {
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at.getTime());
    }
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(timeOrderedUuid(new Date(at.getTime() + 1)) > ids[0]!);
  });
});
