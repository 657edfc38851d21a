/**
 * `npm run bench`: throughput of the public plan reads, reported as ratios against baselines
 * measured in the same run (these machines are noisy; absolute numbers mean little):
 * - raw node:http hello-world (the ceiling for any HTTP framework here), and
 * - a bare query loop: the plan's SQL reads issued back to back in-process.
 * Runs on PGlite, and on PostgreSQL when BENCH_DATABASE_URL (or DATABASE_URL) is reachable.
 * Usage: npm run bench [-- --seconds 5]
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { openPglite, openPostgres, type Db } from '../src/core/db/database.ts';
import { systemClock } from '../src/core/clock.ts';
import { todayJst } from '../src/core/dates.ts';
import { appDeps, composePlatform, migratePlatform } from '../src/platform.ts';
import { seedDemo } from '../src/seed.ts';
import { evaluatePlan } from '../src/modules/plan/plan.service.ts';

const platform = composePlatform();

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;
const connections = 10;

async function load(url: string): Promise<number> {
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

async function rawHttpBaseline(): Promise<number> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello world');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const rps = await load(`http://127.0.0.1:${port}/`);
  server.close();
  return rps;
}

/** A bare Fastify hello-world: the framework's own ceiling on this machine, for context. */
async function fastifyBaseline(): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  app.get('/', async () => 'hello world');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const rps = await load(`http://127.0.0.1:${port}/`);
  await app.close();
  return rps;
}

/** Evaluations per second of the current plan, called back to back in-process. */
async function queryLoop(db: Db, tenantId: string): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < end) {
    await evaluatePlan(db, platform, tenantId, undefined, todayJst());
    n++;
  }
  return n / seconds;
}

async function benchDatabase(label: string, db: Db, raw: number): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-'));
  try {
    await migratePlatform(db, platform);
    const config = loadConfig({ HIBIKI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', HIBIKI_SECRET: 'bench-secret-bench-secret-bench-secret!' });
    const { tenant } = await seedDemo(db, platform, appDeps(platform, db, config, systemClock));
    const loop = await queryLoop(db, tenant.id);
    const app = await buildApp({ db, config, logger: false, platform });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const rows: [string, number][] = [];
    for (const p of ['/healthz', '/api/v1/indicators', '/opendata/indicators.csv', '/plan', '/plan/indicators/6-1-1']) {
      rows.push([p, await load(base + p)]);
    }
    await app.close();
    console.log(`\n${label}`);
    console.log(`  bare evaluation loop (the plan's queries and computation in-process, no HTTP, no cache): ${loop.toFixed(0)} /s`);
    for (const [p, rps] of rows) {
      console.log(`  GET ${p.padEnd(22)} ${rps.toFixed(0).padStart(7)} req/s = ${(rps / raw).toFixed(3)} × raw node:http, ${(rps / loop).toFixed(2)} × bare loop`);
    }
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const raw = await rawHttpBaseline();
console.log(`raw node:http hello-world: ${raw.toFixed(0)} req/s (${connections} connections, ${seconds} s each)`);
const bareFastify = await fastifyBaseline();
console.log(`bare Fastify hello-world: ${bareFastify.toFixed(0)} req/s = ${(bareFastify / raw).toFixed(3)} × raw node:http`);
console.log('Public plan reads are cached per plan data version (API, open data, and pages for visitors not signed in).');
await benchDatabase('PGlite (embedded)', await openPglite(), raw);

const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `hibiki_bench_${process.pid}`;
try {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${dbName}`;
  await benchDatabase('PostgreSQL', await openPostgres(url.toString()), raw);
} catch (err) {
  console.log(`\nPostgreSQL skipped: ${(err as Error).message}`);
} finally {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect().then(() => admin.query(`drop database if exists ${dbName} with (force)`)).catch(() => undefined);
  await admin.end().catch(() => undefined);
}
