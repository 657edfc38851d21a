import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, randomToken } from './crypto.ts';

describe('encryption at rest', () => {
  const key = randomBytes(32);

  it('round-trips text and never stores it in the clear', () => {
    const sealed = encrypt(key, '前橋市 太郎');
    assert.ok(!sealed.includes('太郎'));
    assert.equal(decrypt(key, sealed), '前橋市 太郎');
  });

  it('refuses an altered ciphertext, a wrong key and a truncated tag', () => {
    const sealed = encrypt(key, 'secret');
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    assert.throws(() => decrypt(key, [v, iv, tag, flipped.toString('base64url')].join('.')));
    assert.throws(() => decrypt(randomBytes(32), sealed));
    const short = Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url');
    assert.throws(() => decrypt(key, [v, iv, short, body].join('.')), /malformed/);
  });
});

describe('randomToken', () => {
  it('gives distinct tokens of the asked entropy, also across refills of its pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const token = randomToken();
      assert.equal(Buffer.from(token, 'base64url').length, 32);
      seen.add(token);
    }
    for (const bytes of [16, 24, 2048]) assert.equal(Buffer.from(randomToken(bytes), 'base64url').length, bytes);
    assert.equal(seen.size, 1000);
  });
});
