/**
 * One SQL dialect (PostgreSQL) on two engines: embedded PGlite in the data folder, or a
 * PostgreSQL server named by DATABASE_URL. Both return the same JavaScript types: `date` as
 * 'YYYY-MM-DD' strings (no time-zone shifts), `numeric` as exact decimal strings, `bigint`
 * as numbers, timestamps as Date.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

export type Row = Record<string, unknown>;

/** What a service needs to run SQL: the database itself or an open transaction. */
export interface Sql {
  /** Runs one parameterised statement and returns its rows. */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * query() for a hot path: on PostgreSQL the statement is prepared under `name` (one name per
   * text, fixed in the code) and parsed and planned once per connection instead of every call.
   */
  queryNamed<T = Row>(name: string, text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Exactly one row, or throws. */
  one<T = Row>(text: string, params?: readonly unknown[]): Promise<T>;
  /** The first row, or undefined. */
  maybeOne<T = Row>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * True when this process is the database's only user (embedded PGlite: the data-folder lock
   * guarantees it), so in-process caches of database state are exact.
   */
  readonly soleProcess: boolean;
  /** True inside a transaction (uncommitted state must not be cached). */
  readonly inTransaction: boolean;
  /** Identifies the database (the same object for the Db and its transactions). */
  readonly identity: object;
  /**
   * Counts the statements that may have changed something, moved before and after each one
   * runs (and at a transaction's start and end). With `soleProcess`, a value read while this
   * stayed the same is still what the database holds: in-process caches check it instead of
   * asking again. Without `soleProcess`, other processes write too: it proves nothing.
   */
  writeGeneration(): number;
}

export interface Db extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// PostgreSQL type OIDs whose JavaScript form we fix on both engines.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

type RawQuery = (text: string, params?: readonly unknown[], name?: string) => Promise<Row[]>;

function sqlOf(
  raw: RawQuery,
  execScript: (text: string) => Promise<void>,
  where: { soleProcess: boolean; inTransaction: boolean; identity: object; writeGeneration(): number },
): Sql {
  return {
    ...where,
    query: <T>(text: string, params?: readonly unknown[]) => raw(text, params) as Promise<T[]>,
    queryNamed: <T>(name: string, text: string, params?: readonly unknown[]) => raw(text, params, name) as Promise<T[]>,
    async one<T>(text: string, params?: readonly unknown[]) {
      const rows = await raw(text, params);
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
      return rows[0] as T;
    },
    async maybeOne<T>(text: string, params?: readonly unknown[]) {
      const rows = await raw(text, params);
      return rows[0] as T | undefined;
    },
    exec: execScript,
  };
}

/**
 * sql for background work that must not hold up requests: every statement first lets waiting
 * I/O in (setImmediate). PGlite answers within the same turn of the event loop, so work of many
 * statements would otherwise run back to back before any request is read; on PostgreSQL each
 * statement waits for the network anyway, and the extra turn costs microseconds.
 */
export function yieldingSql(sql: Sql): Sql {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return sqlOf(
    async (text, params, name) => {
      await turn();
      return name === undefined ? sql.query(text, params) : sql.queryNamed(name, text, params);
    },
    async (text) => {
      await turn();
      await sql.exec(text);
    },
    { soleProcess: sql.soleProcess, inTransaction: sql.inTransaction, identity: sql.identity, writeGeneration: () => sql.writeGeneration() },
  );
}

export interface PgliteOptions {
  /** Folder holding the database; omitted for an in-memory database (tests). */
  dataDir?: string;
  /** A dump made by dumpDataDir() to start from (tests load a migrated template). */
  loadDataDir?: Blob;
  /** PostgreSQL's shared_buffers (default 32MB; see HIBIKI_PGLITE_SHARED_BUFFERS). */
  sharedBuffers?: string;
}

/**
 * Durability for the embedded database: PGlite's PostgreSQL cannot fsync (WebAssembly), so a
 * commit would sit in the operating system's cache until it writes it out — a power cut could
 * lose acknowledged data. After every write, the newest WAL segments are fsynced before the
 * caller goes on (commits arriving during a sync share the next one: group commit). The WAL
 * holds every committed change, so PostgreSQL's recovery replays what the data files lack.
 */
function walSyncer(pgliteDir: string): () => Promise<void> {
  const wal = path.join(pgliteDir, 'pg_wal');
  let lastNewest = '';
  async function syncOnce(): Promise<void> {
    const segments = readdirSync(wal).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort();
    const newest = segments.slice(-2);
    for (const name of newest) {
      const fd = await open(path.join(wal, name), 'r+');
      try {
        await fd.sync();
      } finally {
        await fd.close();
      }
    }
    // A new segment's directory entry must be durable too.
    if (newest.at(-1) !== lastNewest) {
      const dirFd = await open(wal, 'r');
      try {
        await dirFd.sync();
      } finally {
        await dirFd.close();
      }
      lastNewest = newest.at(-1) ?? '';
    }
  }
  let current: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const sync = (): Promise<void> => {
    if (!current) {
      current = syncOnce().finally(() => {
        current = null;
      });
      return current;
    }
    // A sync is running and may have started before this caller's write: wait for the next.
    next ??= current.then(() => {
      next = null;
      return sync();
    });
    return next;
  };
  return sync;
}

/** Statements that change nothing need no sync. */
const READ_ONLY = /^\s*(select|show)\b/i;

/** Opens the embedded database, locking its folder against a second process. */
export async function openPglite(options: PgliteOptions = {}): Promise<Db & { dump(compression?: 'none' | 'gzip'): Promise<Blob> }> {
  let lock: DataDirLock | undefined;
  let dir: string | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    lock = acquireDataDirLock(options.dataDir);
    dir = path.join(options.dataDir, 'pglite');
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(dir ? { dataDir: dir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      // PGlite zeroes the whole buffer pool at every start: 128MB (the default) took ~250 ms.
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers ?? '32MB'}`],
      parsers: {
        [INT8]: (v: string) => Number(v),
        [NUMERIC]: (v: string) => v,
        [DATE]: (v: string) => v,
      },
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const rawOf =
    (q: Pick<PGlite, 'query'>): RawQuery =>
    async (text, params) =>
      (await q.query<Row>(text, params as unknown[] | undefined)).rows;
  const identity = {};
  // A data folder is locked to this process; an in-memory database is private to it.
  const soleProcess = true;
  let generation = 0;
  const writeGeneration = () => generation;
  const sync = dir ? walSyncer(dir) : async () => undefined;
  const raw = rawOf(pglite);
  const base = sqlOf(
    async (text, params) => {
      if (READ_ONLY.test(text)) return raw(text, params);
      generation++;
      try {
        const rows = await raw(text, params);
        await sync();
        return rows;
      } finally {
        generation++;
      }
    },
    async (text) => {
      generation++;
      try {
        await pglite.exec(text);
        await sync();
      } finally {
        generation++;
      }
    },
    { soleProcess, inTransaction: false, identity, writeGeneration },
  );
  return {
    kind: 'pglite',
    ...base,
    async transaction(fn) {
      generation++;
      try {
        const result = await pglite.transaction((tx) =>
          fn(
            sqlOf(rawOf(tx), async (text) => {
              await tx.exec(text);
            }, { soleProcess, inTransaction: true, identity, writeGeneration }),
          ),
        );
        await sync();
        return result;
      } finally {
        generation++;
      }
    },
    async dump(compression: 'none' | 'gzip' = 'none') {
      return (await pglite.dumpDataDir(compression)) as Blob;
    },
    async close() {
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** Type parsers for pg: int8 as a number, numeric and date as the text PostgreSQL sends. */
function pgTypesOf(pgModule: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8) return (v: string) => Number(v);
      if (oid === NUMERIC || oid === DATE) return (v: string) => v;
      return pgModule.types.getTypeParser(oid, format);
    },
  } as pg.CustomTypesConfig;
}

/** Opens a pool on a PostgreSQL server. */
export async function openPostgres(url: string, poolSize = 10): Promise<Db> {
  // Loaded here, not at the top: a server on the embedded database never needs pg (~50 ms of start-up).
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ connectionString: url, max: poolSize, types: pgTypesOf(pgModule) });
  // An idle connection the server closes (a restart, a failover) must not crash the process:
  // the pool drops it and the next query opens a new one.
  pool.on('error', (err) => {
    process.emitWarning(`PostgreSQL connection lost: ${err.message}`);
  });
  // Fail fast with a clear message when the server is unreachable.
  await pool.query('select 1');
  const rawOf =
    (c: pg.Pool | pg.PoolClient): RawQuery =>
    async (text, params, name) =>
      (name ? await c.query<Row>({ name, text, values: params as unknown[] | undefined }) : await c.query<Row>(text, params as unknown[] | undefined)).rows;
  const identity = {};
  // Other app servers write too: the count proves nothing (and is never read when soleProcess is false).
  let generation = 0;
  const writeGeneration = () => ++generation;
  const base = sqlOf(rawOf(pool), async (text) => {
    await pool.query(text);
  }, { soleProcess: false, inTransaction: false, identity, writeGeneration });
  return {
    kind: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(
          sqlOf(rawOf(client), async (text) => {
            await client.query(text);
          }, { soleProcess: false, inTransaction: true, identity, writeGeneration }),
        );
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Opens the database the configuration names. */
export function openDatabase(config: { databaseUrl?: string | undefined; dataDir: string; pgliteSharedBuffers?: string }): Promise<Db> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : openPglite({ dataDir: config.dataDir, ...(config.pgliteSharedBuffers ? { sharedBuffers: config.pgliteSharedBuffers } : {}) });
}

/** True when err is a PostgreSQL error with the given SQLSTATE (e.g. 23505 unique violation). */
export function isSqlState(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * A Db usable before the database has finished opening: every call waits for it. Start-up
 * builds the app (which queries nothing while being built) while PGlite opens.
 */
export function deferredDb(opening: Promise<Db>, kind: Db['kind']): Db {
  let ready: Db | undefined;
  void opening.then((db) => (ready = db), () => undefined);
  const the = async () => ready ?? (await opening);
  return {
    kind,
    get soleProcess() {
      return ready?.soleProcess ?? kind === 'pglite';
    },
    inTransaction: false,
    // Before the database is open nothing can be cached against it: a new value every time.
    writeGeneration: () => ready?.writeGeneration() ?? -Math.random(),
    // The real database's identity, so in-process caches keyed by it agree with its transactions.
    get identity() {
      if (!ready) throw new Error('the database is still opening');
      return ready.identity;
    },
    query: async (text, params) => (await the()).query(text, params),
    queryNamed: async (name, text, params) => (await the()).queryNamed(name, text, params),
    one: async (text, params) => (await the()).one(text, params),
    maybeOne: async (text, params) => (await the()).maybeOne(text, params),
    exec: async (text) => (await the()).exec(text),
    transaction: async (fn) => (await the()).transaction(fn),
    close: async () => (await the()).close(),
  } as Db;
}
