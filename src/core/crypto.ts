/**
 * Small cryptographic helpers: random tokens, SHA-256 for stored token hashes, HMAC, and
 * AES-256-GCM for personal data at rest.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Random bytes are drawn from the CSPRNG in blocks of POOL_SIZE and handed out once each: a
 * visitor's first page needs a token, and one system call per token cost more than the page.
 */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** A URL-safe random token with `bytes` of entropy. */
export function randomToken(bytes = 32): string {
  if (bytes > POOL_SIZE / 4) return randomBytes(bytes).toString('base64url');
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const token = pool.toString('base64url', poolOffset, poolOffset + bytes);
  // Each byte serves once: wiped as it is used.
  pool.fill(0, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
}

/** Hex SHA-256 of a token: what the database stores instead of the token. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Secrets as key objects, made once: an HMAC under a string key converts the key on every call. */
const secretKeys = new Map<string, KeyObject>();

/** Base64url HMAC-SHA256 of text under secret. */
export function hmac(secret: string, text: string): string {
  let key = secretKeys.get(secret);
  if (!key) {
    if (secretKeys.size >= 16) secretKeys.clear();
    secretKeys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  }
  return createHmac('sha256', key).update(text).digest('base64url');
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Encrypts text with AES-256-GCM; the result is "v1.<iv>.<tag>.<ciphertext>" in base64url. */
export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** Decrypts what encrypt() produced; throws when the key is wrong or the text was altered. */
export function decrypt(key: Buffer, sealed: string): string {
  const [version, ivText, tagText, body] = sealed.split('.');
  if (version !== 'v1' || !ivText || !tagText || body === undefined) throw new Error('unknown ciphertext format');
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  // A full 16-byte tag only: GCM would otherwise accept a truncated (weaker) one.
  if (iv.length !== 12 || tag.length !== 16) throw new Error('malformed ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** Encrypts bytes with AES-256-GCM: one byte of format (1), the 12-byte IV, the 16-byte tag, the ciphertext. */
export function encryptBytes(key: Buffer, plaintext: Uint8Array): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
}

/** Decrypts what encryptBytes() produced; throws when the key is wrong or the bytes were altered. */
export function decryptBytes(key: Buffer, sealed: Uint8Array): Buffer {
  const b = Buffer.from(sealed);
  if (b.length < 29 || b[0] !== 1) throw new Error('unknown ciphertext format');
  const decipher = createDecipheriv('aes-256-gcm', key, b.subarray(1, 13), { authTagLength: 16 });
  decipher.setAuthTag(b.subarray(13, 29));
  return Buffer.concat([decipher.update(b.subarray(29)), decipher.final()]);
}
