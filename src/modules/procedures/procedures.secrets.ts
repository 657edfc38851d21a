/**
 * The applicant's secrets: the one-time inquiry password and the sealed personal data.
 *
 * The inquiry password is made by the server: 16 characters from a 32-letter alphabet, 80
 * random bits. It is stored as an HMAC-SHA256 under the server secret, not as an argon2 hash:
 * a slow hash exists to make guessing a *human-chosen* password expensive, and there is
 * nothing to guess in 80 random bits (2^80 HMACs, even with the database and the secret
 * stolen). argon2id at its usual cost takes tens of milliseconds of CPU per submission, which
 * would put a ceiling of a few dozen submissions per second per core on the hot path; the
 * keyed hash costs microseconds. Online guessing is stopped by the inquiry rate limits.
 *
 * Answers are sealed with AES-256-GCM (core/crypto) under the current key; each record keeps
 * the id of its key (the first 16 hex digits of the key's SHA-256), so a rotation re-seals
 * the records of older keys in the background (procedures.rotate job).
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import { decrypt, decryptBytes, encrypt, encryptBytes, hmac, safeEqual } from '../../core/crypto.ts';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I
const PASSWORD_LENGTH = 16;

/** 80 bits (the first 10 bytes) as 16 letters of the alphabet, in groups of four ("ABCD-EFGH-JKLM-NPQR"). */
export function passwordOf(bytes: Buffer): string {
  let s = '';
  // Five bits a letter, read from the end of the 80 bits (the lowest bits first).
  for (let i = 0; i < PASSWORD_LENGTH; i++) {
    const bit = 79 - 5 * i - 4; // the letter's highest bit, counted from the first byte's top
    const at = bit >> 3;
    const word = ((bytes[at]! << 8) | (bytes[at + 1] ?? 0)) >> (16 - 5 - (bit & 7));
    s += ALPHABET[word & 31];
    if (i % 4 === 3 && i < PASSWORD_LENGTH - 1) s += '-';
  }
  return s;
}

/** A fresh inquiry password, shown to the applicant once. */
export function newInquiryPassword(): string {
  return passwordOf(randomBytes(10));
}

/**
 * The password of a request sent with an Idempotency-Key: derived from the key under the
 * server secret (80 bits of an HMAC), so a retry whose first answer was lost gets the same
 * password again without the password ever being stored. Unknowable without the secret.
 */
export function retryPassword(config: Pick<Config, 'secret'>, tenantId: string, procedureId: string, idempotencyKey: string): string {
  return passwordOf(createHmac('sha256', config.secret).update(`procedures.password|${tenantId}|${procedureId}|${idempotencyKey}`).digest());
}

/** The password as typed: case, spaces and hyphens do not matter. */
function normalisePassword(p: string): string {
  return p.normalize('NFKC').toUpperCase().replace(/[\s-]/g, '');
}

/** What the database stores for the password. */
export function hashInquiryPassword(config: Pick<Config, 'secret'>, password: string): string {
  return hmac(config.secret, `procedures.inquiry|${normalisePassword(password)}`);
}

/** Constant-time check of a typed password against the stored hash. */
export function inquiryPasswordMatches(config: Pick<Config, 'secret'>, password: string, stored: string | null): boolean {
  if (!stored) return false;
  return safeEqual(hashInquiryPassword(config, password), stored);
}

/** A keyed hash of text (idempotency keys, request bodies): comparable, not reversible. */
export function keyedHash(config: Pick<Config, 'secret'>, purpose: string, text: string): string {
  return hmac(config.secret, `procedures.${purpose}|${text}`);
}

/**
 * A UUID whose first 48 bits are the time in milliseconds (the version 7 layout). The random
 * bits come from randomUUID(), which draws on a batch of entropy instead of asking OpenSSL
 * every call.
 */
export function timeOrderedUuid(at: Date): string {
  const r = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: 122 random bits
  const t = at.getTime().toString(16).padStart(12, '0').slice(-12);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(15, 18)}-${r.slice(19)}`;
}

/** The id stored beside a record sealed with key. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

type KeyConfig = Pick<Config, 'encryptionKey' | 'previousEncryptionKeys'>;

const ids = new WeakMap<Buffer, string>();
function cachedKeyId(key: Buffer): string {
  let id = ids.get(key);
  if (!id) ids.set(key, (id = keyIdOf(key)));
  return id;
}

/** Seals text under the current key: the ciphertext and the key's id. */
export function seal(config: KeyConfig, plaintext: string): { sealed: string; keyId: string } {
  return { sealed: encrypt(config.encryptionKey, plaintext), keyId: cachedKeyId(config.encryptionKey) };
}

/** Opens what seal() made, with the key its id names (the current key or a previous one). */
export function unseal(config: KeyConfig, sealed: string, keyId: string): string {
  for (const key of [config.encryptionKey, ...config.previousEncryptionKeys]) {
    if (cachedKeyId(key) === keyId) return decrypt(key, sealed);
  }
  throw new Error(`no configured key has the id ${keyId}`);
}

/** Seals bytes (an attached file) under the current key: the ciphertext and the key's id. */
export function sealBytes(config: KeyConfig, plaintext: Uint8Array): { sealed: Buffer; keyId: string } {
  return { sealed: encryptBytes(config.encryptionKey, plaintext), keyId: cachedKeyId(config.encryptionKey) };
}

/** Opens what sealBytes() made, with the key its id names. */
export function unsealBytes(config: KeyConfig, sealed: Uint8Array, keyId: string): Buffer {
  for (const key of [config.encryptionKey, ...config.previousEncryptionKeys]) {
    if (cachedKeyId(key) === keyId) return decryptBytes(key, sealed);
  }
  throw new Error(`no configured key has the id ${keyId}`);
}

/** The current key's id. */
export function currentKeyId(config: KeyConfig): string {
  return cachedKeyId(config.encryptionKey);
}
