/**
 * Public reads served from a body cache keyed by data versions: the API, open data and pages
 * for visitors who are not signed in. A read names every data-version scope it depends on
 * (the plan's reads: "plan" plus the scopes of the metrics bound to its indicators), and the
 * date when it depends on today. The weak ETag is derived from the same key, so a repeated
 * read costs one version check and a client that has the body gets 304. Nothing a second app
 * server needs lives only here: on a shared PostgreSQL the versions are read per request.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import { currentDataVersions, VersionedCache } from './data-version.ts';
import { encodingFor } from './fast-path.ts';
import type { Db, Sql } from './db/database.ts';
import type { Tenant } from './tenancy.ts';

/** Kept as bytes: a string would be measured and encoded again on every send. */
const bodies = new VersionedCache<Buffer>(1000);
/** ETags by read key: hashed once per key, not per request. */
const etags = new VersionedCache<string>(2000);
/** The same bodies compressed, by ETag and encoding: compressed once, sent many times. */
const compressed = new VersionedCache<Buffer>(2000);

/**
 * Bodies kept across a restart: a clean shutdown writes the newest bodies to the database
 * (keepPublicReads), the next start lists them (restorePublicReads), and a read whose body is
 * not in memory takes the kept one before making it anew — so the first readers after a
 * restart are not the ones who wait for a cold database and a first chart. A kept body is
 * used only under the same ETag (the same municipality, data versions, date, URL and
 * language) and the same `build` (the code and the configuration that made it).
 */
const kept: { build: string; etags: Set<string> } = { build: '', etags: new Set() };

/** What a shutdown keeps at most: the most recently used bodies, within a size. */
const KEEP = { entries: 300, bytes: 16 * 1024 * 1024 };

/** Writes the newest bodies (and their compressed forms) for the next start of this build. */
export async function keepPublicReads(db: Db, build: string, limits = KEEP): Promise<{ bodies: number; bytes: number }> {
  const rows: [string, Buffer, Buffer | null, Buffer | null][] = [];
  let bytes = 0;
  for (const [etag, body] of bodies.newestFirst()) {
    const br = compressed.peek(`${etag}|br`) ?? null;
    const gzip = compressed.peek(`${etag}|gzip`) ?? null;
    const size = body.length + (br?.length ?? 0) + (gzip?.length ?? 0);
    if (rows.length >= limits.entries || bytes + size > limits.bytes) break;
    rows.push([etag, body, br, gzip]);
    bytes += size;
  }
  await db.transaction(async (tx) => {
    // Only the last shutdown's bodies are kept, whatever build wrote them.
    await tx.query('delete from kept_public_reads');
    for (const row of rows) await tx.query('insert into kept_public_reads (build, etag, body, br, gzip) values ($1, $2, $3, $4, $5)', [build, ...row]);
  });
  return { bodies: rows.length, bytes };
}

/** At start: the kept bodies this build may use (read on first use); returns how many. */
export async function restorePublicReads(db: Sql, build: string): Promise<number> {
  const rows = await db.query<{ etag: string }>('select etag from kept_public_reads where build = $1', [build]);
  kept.build = build;
  kept.etags = new Set(rows.map((r) => r.etag));
  return kept.etags.size;
}

/** The kept body of etag (its compressed forms go to the cache too), once; else undefined. */
async function keptBody(sql: Sql, etag: string): Promise<Buffer | undefined> {
  if (!kept.etags.delete(etag)) return undefined;
  const row = await sql.maybeOne<{ body: Uint8Array; br: Uint8Array | null; gzip: Uint8Array | null }>(
    'select body, br, gzip from kept_public_reads where build = $1 and etag = $2',
    [kept.build, etag],
  );
  if (!row) return undefined;
  const bytes = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (row.br) compressed.set(`${etag}|br`, bytes(row.br));
  if (row.gzip) compressed.set(`${etag}|gzip`, bytes(row.gzip));
  return bytes(row.body);
}

/** Forgets every body in memory, as a new process starts (tests of keeping across a restart). */
export function forgetPublicReads(): void {
  bodies.clear();
  etags.clear();
  compressed.clear();
}

function compressBody(body: Buffer, encoding: 'br' | 'gzip'): Buffer {
  return encoding === 'br'
    ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : zlib.gzipSync(body, { level: 9 });
}

/** The data-version scope of the municipality itself (names, hosts, settings). */
export const TENANT_SCOPE = 'tenant';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';
export const CSV_TYPE = 'text/csv; charset=utf-8';

/** An open-data licence as files state it (利用規約). */
export interface OpenDataLicence {
  id: string;
  name: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for GET requests under /opendata/ by installOpenDataLicence: the municipality's licence. */
    openDataLicence?: () => Promise<OpenDataLicence>;
  }
}

/**
 * Every open-data file states its licence: for GET requests under /opendata/, a JSON public
 * read carries a top-level `license` field (added before the body is cached), and every answer
 * a `Link: <url>; rel="license"` header (RFC 8288), which leaves CSV rows and their published
 * columns as they are. `licenceOf` is looked up at most once per request, and only when used.
 */
export function installOpenDataLicence(app: FastifyInstance, licenceOf: (tenant: Tenant) => Promise<OpenDataLicence>): void {
  const offer: preHandlerAsyncHookHandler = async (request) => {
    if (!request.tenant) return;
    let licence: Promise<OpenDataLicence> | undefined;
    request.openDataLicence = () => (licence ??= licenceOf(request.tenant));
  };
  const link: onSendAsyncHookHandler = async (request, reply, payload) => {
    if (request.openDataLicence && reply.statusCode < 400) reply.header('link', `<${(await request.openDataLicence()).url}>; rel="license"`);
    return payload;
  };
  // Hooks on the open-data routes only (every module's, registered after this): the other
  // routes, cached reads among them, do not pay for two more hooks per request.
  const list = <T>(h: T | T[] | undefined): T[] => (h === undefined ? [] : Array.isArray(h) ? h : [h]);
  app.addHook('onRoute', (route) => {
    if (![route.method].flat().includes('GET') || !route.url.startsWith('/opendata/')) return;
    route.preHandler = [...list(route.preHandler), offer];
    route.onSend = [...list(route.onSend), link];
  });
}

/** The body with the licence as its first field, when it is a JSON object without one. */
function withLicence(body: string | Buffer, licence: OpenDataLicence): string | Buffer {
  const parsed: unknown = JSON.parse(body.toString());
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || 'license' in parsed) return body;
  return JSON.stringify({ license: licence, ...parsed });
}

export interface PublicRead {
  /** Data-version scopes the body depends on. */
  scopes: readonly string[];
  /** Content-Type of the body. */
  type: string;
  /** Set when the body depends on the date (today, JST). */
  today?: string;
  /** Makes the body; runs only when none is kept for this key. Throwing (404 …) sends no ETag. */
  produce(): Promise<string | Buffer>;
}

/** Headers of one answer that an early answer sets itself, or must not repeat. */
const PER_ANSWER_HEADERS = new Set(['set-cookie', 'content-type', 'content-length', 'content-encoding']);

/** Sends a public, versioned read (see the file comment). */
export async function sendPublicRead(sql: Sql, request: FastifyRequest, reply: FastifyReply, read: PublicRead): Promise<FastifyReply> {
  // Every page shows the municipality's name: its own scope changes with it.
  const scopes = [TENANT_SCOPE, ...read.scopes];
  const versions = await currentDataVersions(sql, request.tenant.id, scopes, request);
  const key = [request.tenant.id, versions, read.today ?? '', read.type, request.url, request.lang].join('|');
  let etag = etags.get(key);
  if (etag === undefined) etags.set(key, (etag = `W/"${createHash('sha1').update(key).digest('base64url')}"`));
  let body = bodies.get(etag);
  if (body === undefined && kept.etags.size > 0) {
    body = await keptBody(sql, etag);
    if (body) bodies.set(etag, body);
  }
  if (body === undefined) {
    // Produced before any header is set: a failure (404) carries no ETag and never becomes 304.
    let produced = await read.produce();
    if (request.openDataLicence && read.type === JSON_TYPE) produced = withLicence(produced, await request.openDataLicence());
    body = typeof produced === 'string' ? Buffer.from(produced) : produced;
    bodies.set(etag, body);
  }
  reply.header('etag', etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding, accept-language, cookie');
  const encoding = body.length >= 1024 ? encodingFor(request.headers['accept-encoding']) : null;
  let packed: Buffer | undefined;
  if (encoding) {
    packed = compressed.get(`${etag}|${encoding}`);
    if (!packed) compressed.set(`${etag}|${encoding}`, (packed = compressBody(body, encoding)));
  }
  // The next visitor asking the same is answered before Fastify (fast-path.ts), with the
  // licence header open-data files carry (the licence is a setting: in the tenant's scope).
  const fast = request.server.fastPath;
  if (fast) {
    const link = request.openDataLicence ? `<${(await request.openDataLicence()).url}>; rel="license"` : undefined;
    // Headers the route set (a file name …) and the pipeline's, as they stand; a cookie is this visitor's only.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined && !PER_ANSWER_HEADERS.has(name)) headers[name] = String(value);
    }
    if (link) headers.link = link;
    fast.rememberPublic(request, { tenantId: request.tenant.id, scopes, versions, today: read.today ?? '', type: read.type, etag, body, headers }, encoding, packed);
  }
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  if (!encoding) return reply.type(read.type).send(body);
  return reply.type(read.type).header('content-encoding', encoding).send(packed);
}
