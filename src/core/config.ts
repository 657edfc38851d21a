/**
 * Configuration from the environment, validated once at start-up with messages that name the
 * variable. Nothing else reads process.env.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** postgres://… to use a PostgreSQL server; unset for the embedded PGlite database. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  HIBIKI_DATA_DIR: z.string().min(1).default('./data'),
  /**
   * PostgreSQL's shared_buffers for the embedded database. PGlite zeroes all of it at every
   * start (128MB, PostgreSQL's default, cost ~250 ms and ~100 MiB); its pages are read through
   * the operating system's cache, so a small pool costs little. Raise it for a large city.
   */
  HIBIKI_PGLITE_SHARED_BUFFERS: z.string().regex(/^\d{1,6}(kB|MB|GB)$/, 'must be a size such as 32MB').default('32MB'),
  /** Where the audit log's keyed checkpoints are appended (keep a copy off the machine). */
  HIBIKI_AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
  /** Secret for CSRF tokens and other HMACs; generated into the data folder when unset. */
  HIBIKI_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Base64 32-byte key for encrypting personal data at rest; generated when unset. */
  HIBIKI_ENCRYPTION_KEY: z.string().optional(),
  /** Keys replaced by HIBIKI_ENCRYPTION_KEY, comma-separated base64: still read, re-encrypted in the background. */
  HIBIKI_PREVIOUS_ENCRYPTION_KEYS: z.string().optional(),
  /** Public base URL used in mailed links, e.g. https://hibiki.example.jp */
  HIBIKI_PUBLIC_URL: z.string().url().optional(),
  /** Municipality code served when the host name matches no tenant. */
  HIBIKI_DEFAULT_TENANT: z.string().min(1).default('maebashi'),
  /** SMTP server URL (smtp://user:pass@host:port); without it mail stays in the outbox. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  MAIL_FROM: z.string().default('Hibiki <no-reply@hibiki.example.jp>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Set when the platform is served behind TLS, so cookies carry Secure. */
  HIBIKI_SECURE_COOKIES: z.enum(['true', 'false']).optional(),
  /**
   * Trust X-Forwarded-For from the proxies in front: their addresses (comma-separated IPs or
   * CIDRs), or the number of proxy hops. Never "true": that would let any client choose the
   * address the sign-in and sign-up limits count.
   */
  HIBIKI_TRUST_PROXY: z.string().default('false'),
  /**
   * Demo data on first start: unset seeds it only when the server listens on loopback;
   * true seeds it anyway; false never.
   */
  HIBIKI_DEMO: z.enum(['true', 'false']).optional(),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** shared_buffers of the embedded database, e.g. "32MB". */
  pgliteSharedBuffers: string;
  /** The audit chain's anchor file (see core/audit.ts). */
  auditAnchorFile: string;
  secret: string;
  encryptionKey: Buffer;
  /** Keys in use before the current one (decrypt only; data is re-encrypted under the current key). */
  previousEncryptionKeys: Buffer[];
  publicUrl: string;
  defaultTenant: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
  secureCookies: boolean;
  /**
   * Whose X-Forwarded-For is believed: false (nobody; the socket's peer is the client), the
   * proxies' addresses or CIDRs, or a hop count (Fastify's trustProxy).
   */
  trustProxy: false | number | string[];
  /** HIBIKI_DEMO: 'auto' (loopback only), or set explicitly. */
  demo: 'auto' | boolean;
}

export class ConfigError extends Error {}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`設定が正しくありません / Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.HIBIKI_DATA_DIR);
  const secret = e.HIBIKI_SECRET ?? persistedSecret(dataDir, 'secret', () => randomBytes(32).toString('hex'));
  const keyText =
    e.HIBIKI_ENCRYPTION_KEY ?? persistedSecret(dataDir, 'encryption.key', () => randomBytes(32).toString('base64'));
  const encryptionKey = Buffer.from(keyText, 'base64');
  if (encryptionKey.length !== 32) {
    throw new ConfigError(
      '設定が正しくありません / Invalid configuration:\n  HIBIKI_ENCRYPTION_KEY: must be 32 bytes in base64',
    );
  }
  const previousEncryptionKeys = (e.HIBIKI_PREVIOUS_ENCRYPTION_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => Buffer.from(k, 'base64'));
  if (previousEncryptionKeys.some((k) => k.length !== 32)) {
    throw new ConfigError('設定が正しくありません / Invalid configuration:\n  HIBIKI_PREVIOUS_ENCRYPTION_KEYS: each key must be 32 bytes in base64');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    pgliteSharedBuffers: e.HIBIKI_PGLITE_SHARED_BUFFERS,
    auditAnchorFile: path.resolve(e.HIBIKI_AUDIT_ANCHOR_FILE ?? path.join(dataDir, 'audit-anchors.jsonl')),
    secret,
    encryptionKey,
    previousEncryptionKeys,
    publicUrl: (e.HIBIKI_PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    defaultTenant: e.HIBIKI_DEFAULT_TENANT,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    // Secure cookies whenever the public address is https, unless set explicitly.
    secureCookies: e.HIBIKI_SECURE_COOKIES ? e.HIBIKI_SECURE_COOKIES === 'true' : (e.HIBIKI_PUBLIC_URL ?? '').startsWith('https:'),
    trustProxy: parseTrustProxy(e.HIBIKI_TRUST_PROXY),
    demo: e.HIBIKI_DEMO === undefined ? 'auto' : e.HIBIKI_DEMO === 'true',
  };
}

/** Names proxy-addr knows for address ranges (loopback 127.0.0.1/8 and ::1, private ranges). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * HIBIKI_TRUST_PROXY: "false" (or empty, or 0), a hop count 1–10, or a comma-separated list of
 * IP addresses, CIDRs and the names loopback / linklocal / uniquelocal. "true", "*", "any" and
 * ranges covering every address are refused: the client address would then be whatever the
 * client writes in X-Forwarded-For.
 */
export function parseTrustProxy(value: string): false | number | string[] {
  const text = value.trim();
  const fail = (why: string): never => {
    throw new ConfigError(`設定が正しくありません / Invalid configuration:\n  HIBIKI_TRUST_PROXY: ${why}`);
  };
  if (text === '' || text === 'false' || text === '0') return false;
  if (/^(true|yes|on|\*|any|all)$/i.test(text)) {
    fail(
      `"${text}" would trust X-Forwarded-For from any client, so anyone could pick the address rate limits count. ` +
        'Give the proxy\'s addresses (e.g. 10.0.0.5,10.0.1.0/24 or loopback) or the number of proxies in front (e.g. 1). / ' +
        'X-Forwarded-For を誰からでも信用する設定は使えません。プロキシのアドレス（例: 10.0.0.5,10.0.1.0/24）かプロキシの段数（例: 1）を指定してください。',
    );
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10) fail(`${hops} proxy hops is not plausible (1–10)`);
    return hops;
  }
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    if (PROXY_RANGE_NAMES.has(entry)) continue;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (!family || rest.length || !prefixOk) {
      fail(`"${entry}" is not an IP address, a CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`);
    }
    if (prefix !== undefined && Number(prefix) === 0) fail(`"${entry}" covers every address: name the proxy's own addresses`);
  }
  if (entries.length === 0) fail('empty list');
  return entries;
}

/** Fastify's trustProxy for the setting (a hop count as the function Fastify makes of one). */
export function fastifyTrustProxy(trust: false | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

/** A secret kept in `<dataDir>/keys/<name>` (mode 0600), made on first use. */
function persistedSecret(dataDir: string, name: string, make: () => string): string {
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = make();
  writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  return value;
}
