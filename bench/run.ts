/**
 * `npm run bench`: what a user gets, as ratios against baselines measured in the same run
 * (these machines are noisy; absolute numbers mean little):
 * - Reads: Hibiki started as its own process the way a user starts it (`node dist/main.js`,
 *   default settings, request logging on), loaded from this process with autocannon; against a
 *   raw node:http hello-world (loaded before and after every row; each ratio is against the
 *   mean of the two runs beside it) and a bare Fastify hello-world, each in their own process.
 *   Signed-in pages are compared with the same page for a visitor. Loading starts once the
 *   server's log says the start-up chart warm-up has ended; each row also gives the server's
 *   CPU time per request (from /proc), steadier than req/s on a shared machine, and raw
 *   node:http sending exactly Hibiki's answers (headers and body) shows what their bytes alone
 *   cost.
 * - Durable writes with audit on PostgreSQL: a transaction that inserts a row and appends its
 *   audit entry, against a bare single-row INSERT loop, both 16 in flight.
 * - Durable writes on the embedded database: Hibiki's PGlite (WAL fsynced after each commit)
 *   against the same PGlite without the fsync, single-row INSERTs, 1 and 16 in flight.
 * - Start-up time and memory (bench/startup.ts).
 * - Module benchmarks (src/modules/<name>/<name>.bench.ts) when present.
 * Usage: npm run bench [-- --seconds 5] [-- --only reads|writes|startup|modules]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { benchStartup } from './startup.ts';

const root = path.resolve(import.meta.dirname, '..');
const arg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const seconds = Number(arg('seconds')) || 5;
const only = arg('only');
const connections = 10;
const pgBase = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} did not answer`);
}

/** Starts a server process; resolves to its base URL, its pid and a stop function. */
async function serve(
  args: string[],
  env: Record<string, string> = {},
  /** A file for the server's standard output (its log lines); discarded when omitted. */
  stdoutFile?: string,
): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env };
  delete childEnv.DATABASE_URL;
  if (env.DATABASE_URL) childEnv.DATABASE_URL = env.DATABASE_URL;
  const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: ['ignore', out, 'inherit'], detached: true });
  if (typeof out === 'number') closeSync(out);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, child);
  return {
    base,
    pid: child.pid!,
    async stop() {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Waits until the server's log says the background chart warm-up after start-up has ended. */
async function waitForLine(file: string, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pattern.test(readFileSync(file, 'utf8'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file}: no line matching ${pattern} within ${timeoutMs} ms`);
}

/** The process's CPU time so far (user + system), in microseconds, from /proc (Linux). */
function cpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from 3 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * Loads url for `seconds` after one second of the same load that is not counted (the server
 * has drawn and cached what the URL shows). With the server's pid, its CPU time per answered
 * request is measured over the counted run too: steadier than requests per second when other
 * work shares the machine.
 */
async function load(url: string, headers: Record<string, string> = {}, pid?: number): Promise<{ rps: number; latency: number; cpuUs: number | null }> {
  await autocannon({ url, connections, duration: 1, headers });
  const cpuBefore = pid === undefined ? null : cpuMicros(pid);
  const result = await autocannon({ url, connections, duration: seconds, headers });
  const cpuAfter = pid === undefined ? null : cpuMicros(pid);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const answered = result.requests.total;
  const cpuUs = cpuBefore === null || cpuAfter === null || answered === 0 ? null : (cpuAfter - cpuBefore) / answered;
  return { rps: result.requests.average, latency: result.latency.mean, cpuUs };
}

const cpuLabel = (cpuUs: number | null) => (cpuUs === null ? '' : `, ${cpuUs.toFixed(1).padStart(6)} µs CPU/request`);
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

const RAW_HTTP = "require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain'});s.end('hello world')}).listen(process.env.PORT,'127.0.0.1')";
/**
 * The same, answering with the headers and body in ANSWER (a JSON file of {headers, body in
 * base64}): exactly the bytes Hibiki sent for a cached read, with none of its work — what
 * sending that answer costs by itself.
 */
const RAW_HTTP_ANSWER =
  "const a=JSON.parse(require('fs').readFileSync(process.env.ANSWER,'utf8'));const b=Buffer.from(a.body,'base64');require('http').createServer((q,s)=>{s.writeHead(200,a.headers);s.end(b)}).listen(process.env.PORT,'127.0.0.1')";

/**
 * Hibiki's answer to url (status 200), as RAW_HTTP_ANSWER sends it: headers but those node:http
 * sets itself. Read with node:http, not fetch: fetch would decode a brotli body.
 */
function answerOf(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`));
          const kept: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name) && typeof value === 'string') kept[name] = value;
          resolve({ headers: kept, body: Buffer.concat(chunks).toString('base64') });
        });
      })
      .on('error', reject);
  });
}
const BARE_FASTIFY = "const f=require('fastify')();f.get('/',async()=>'hello world');f.get('/healthz',async()=>'ok');f.listen({port:+process.env.PORT,host:'127.0.0.1'})";

function hibikiCli(dataDir: string, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, HIBIKI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hibiki ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function signInCookie(base: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  const csrfCookie = (page.headers.getSetCookie().find((c) => c.startsWith('hibiki_csrf=')) ?? '').split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
  });
  const session = (res.headers.getSetCookie().find((c) => c.startsWith('hibiki_session=')) ?? '').split(';')[0]!;
  if (!session) throw new Error(`sign-in failed: ${res.status}`);
  return `${csrfCookie}; ${session}`;
}

async function benchReads(): Promise<void> {
  const loadBefore = loadAverage();
  // The baseline, raw node:http hello-world, runs in its own process for the whole benchmark and
  // is loaded again right before and after every measured row: each row's ratio is against the
  // mean of the raw runs on either side of it (on this shared machine a single raw run moved by
  // up to half within minutes, more than the rows differ).
  const raw = await serve(['-e', RAW_HTTP]);
  const rawRuns: { rps: number; cpuUs: number | null }[] = [];
  const measureRaw = async () => {
    const run = await load(`${raw.base}/`, {}, raw.pid);
    rawRuns.push(run);
    return run;
  };
  type Row = { label: string; rps: number; cpuUs: number | null; rawBefore: number; rawAfter?: number };
  const rows: Row[] = [];
  /** Measures one row between two raw runs (the run after it is the next row's run before). */
  const measure = async (label: string, run: () => Promise<{ rps: number; cpuUs: number | null }>) => {
    if (rows.length === 0) await measureRaw();
    const rawBefore = rawRuns.at(-1)!.rps;
    const result = await run();
    const row: Row = { label, ...result, rawBefore };
    rows.push(row);
    row.rawAfter = (await measureRaw()).rps;
  };
  const signedIn: string[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-'));
  /** Hibiki's answers to the goal's reads, for the same-bytes baselines below. */
  const answers: [string, string][] = [];
  try {
    const fastify = await serve(['-e', BARE_FASTIFY]);
    await measure('bare Fastify hello-world', () => load(`${fastify.base}/`, {}, fastify.pid));
    await fastify.stop();
    hibikiCli(dataDir, 'seed');
    hibikiCli(dataDir, 'user', 'create', '--email', 'bench@example.jp', '--password', 'bench-password-2026', '--role', 'citizen');
    // Default settings: logging at info, one line per request, written to a file as a service's would be.
    const logFile = path.join(dataDir, 'server.log');
    const hibiki = await serve(['dist/main.js'], { HIBIKI_DATA_DIR: dataDir }, logFile);
    try {
      // The charts drawn in the background after start-up must not compete with the measurement.
      await waitForLine(logFile, /plan charts? warm(ed up|-up failed)/);
      const cookie = await signInCookie(hibiki.base, 'bench@example.jp', 'bench-password-2026');
      const brotli = { 'accept-encoding': 'br, gzip' };
      const reads: [string, Record<string, string>][] = [
        ['/api/v1/indicators', {}],
        ['/api/v1/indicators', brotli],
        ['/opendata/indicators.csv', {}],
        ['/plan', {}],
        ['/plan', brotli],
        ['/plan/indicators/6-1-1', {}],
      ];
      for (const [p, headers] of reads) {
        if (p === '/plan' || p === '/api/v1/indicators') {
          const file = path.join(dataDir, `answer-${answers.length}.json`);
          writeFileSync(file, JSON.stringify(await answerOf(`${hibiki.base}${p}`, headers)));
          answers.push([`${p}${headers['accept-encoding'] ? ' (br)' : ''}`, file]);
        }
        await measure(`Hibiki GET ${p}${headers['accept-encoding'] ? ' (br)' : ''}`, () => load(`${hibiki.base}${p}`, headers, hibiki.pid));
      }
      for (const p of ['/plan', '/plan/indicators/6-1-1']) {
        const visitor = await load(`${hibiki.base}${p}`, {}, hibiki.pid);
        const signed = await load(`${hibiki.base}${p}`, { cookie }, hibiki.pid);
        signedIn.push(
          `  signed-in ${p.padEnd(26)} mean latency ${signed.latency.toFixed(2)} ms vs ${visitor.latency.toFixed(2)} ms for a visitor = ${(signed.latency / visitor.latency).toFixed(2)} ×` +
            `; CPU/request ${signed.cpuUs?.toFixed(1) ?? '?'} µs vs ${visitor.cpuUs?.toFixed(1) ?? '?'} µs = ${signed.cpuUs && visitor.cpuUs ? (signed.cpuUs / visitor.cpuUs).toFixed(2) : '?'} ×`,
        );
      }
    } finally {
      await hibiki.stop();
    }
    // Not the goal's baseline (that is hello-world): how much of the gap the answer's bytes
    // (headers and body) cost by themselves, sent by raw node:http doing nothing else.
    for (const [label, file] of answers) {
      const same = await serve(['-e', RAW_HTTP_ANSWER], { ANSWER: file });
      const bytes = Buffer.from((JSON.parse(readFileSync(file, 'utf8')) as { body: string }).body, 'base64').length;
      await measure(`raw node:http, Hibiki's ${label} (${bytes} B)`, () => load(`${same.base}/`, {}, same.pid));
      await same.stop();
    }
  } finally {
    await raw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const rps = rawRuns.map((r) => r.rps);
  const cpu = rawRuns.map((r) => r.cpuUs).filter((c): c is number => c !== null);
  console.log(`\nReads (server in its own process, ${connections} connections, ${seconds} s each; load average ${loadBefore} at the start)`);
  console.log(
    `  raw node:http hello-world: ${rawRuns.length} runs, one before and after each row, ${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)} req/s` +
      (cpu.length ? `, ${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)} µs CPU/request` : '') +
      '; each ratio below is against the mean of the runs on either side of its row',
  );
  for (const r of rows) {
    const baseline = (r.rawBefore + r.rawAfter!) / 2;
    console.log(`  ${r.label.padEnd(44)}${r.rps.toFixed(0).padStart(7)} req/s = ${(r.rps / baseline).toFixed(3)} × raw (${baseline.toFixed(0)})${cpuLabel(r.cpuUs)}`);
  }
  for (const line of signedIn) console.log(line);
  console.log(`  load average ${loadAverage()} at the end`);
}

async function benchWrites(): Promise<void> {
  const name = `hibiki_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: pgBase });
  try {
    await admin.connect();
  } catch (err) {
    console.log(`\nDurable writes: PostgreSQL not reachable (${(err as Error).message}); skipped`);
    return;
  }
  await admin.query(`create database ${name}`);
  const url = new URL(pgBase);
  url.pathname = `/${name}`;
  const { openPostgres } = await import('../src/core/db/database.ts');
  const { composePlatform, migratePlatform } = await import('../src/platform.ts');
  const { appendAudit, auditedStatement, sealAuditLog, verifyAuditChain } = await import('../src/core/audit.ts');
  const { createTenant } = await import('../src/core/tenancy.ts');
  const db = await openPostgres(url.toString(), 16);
  try {
    await migratePlatform(db, composePlatform());
    const tenant = (await createTenant(db, { code: 'bench-city', nameJa: '計測市', nameEn: 'Bench City', hostnames: [] }))!;
    await db.exec('create table bench_rows (id bigserial primary key, tenant_id uuid not null, body text not null)');
    const inFlight = 16;
    /** How many times op completed in `ms`, inFlight at a time. */
    const run = async (op: () => Promise<void>, ms: number) => {
      const end = Date.now() + ms;
      let n = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (Date.now() < end) {
            await op();
            n++;
          }
        }),
      );
      return n;
    };
    const body = 'x'.repeat(200);
    const insert = 'insert into bench_rows (tenant_id, body) values ($1, $2) returning id';
    const audit = { tenantId: tenant.id, actorId: null, actorLabel: 'bench', action: 'row.create', entityType: 'row', entityIdColumn: 'id', details: { n: 1 } };
    const variants = {
      bare: async () => void (await db.query('insert into bench_rows (tenant_id, body) values ($1, $2)', [tenant.id, body])),
      statement: async () => void (await auditedStatement(db, { text: insert, params: [tenant.id, body], name: 'bench-audited-insert' }, audit)),
      transaction: () =>
        db.transaction(async (tx) => {
          await tx.query(insert, [tenant.id, body]);
          await appendAudit(tx, { ...audit, entityId: 'x' });
        }),
    };
    // The variants take turns, one second each, `seconds` rounds: a machine whose load drifts
    // during the run shifts every variant alike. The scheduler's audit.seal job runs every few
    // seconds in production; it runs here throughout, so the figures include chaining the
    // entries and show whether sealing keeps up.
    const counts = { bare: 0, statement: 0, transaction: 0 };
    let stop = false;
    const sealer = (async () => {
      while (!stop) {
        await sealAuditLog(db, { tenantId: tenant.id });
        await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    for (let round = 0; round < seconds; round++) {
      for (const [name, op] of Object.entries(variants)) counts[name as keyof typeof counts] += await run(op, 1000);
    }
    stop = true;
    await sealer;
    const [bare, statement, transaction] = [counts.bare / seconds, counts.statement / seconds, counts.transaction / seconds];
    const behind = (await verifyAuditChain(db, tenant.id)).unsealed;
    const sealStarted = Date.now();
    await sealAuditLog(db, { tenantId: tenant.id });
    const sealMs = Date.now() - sealStarted;
    const chain = await verifyAuditChain(db, tenant.id);
    console.log(`\nDurable writes on PostgreSQL (${inFlight} in flight, ${seconds} s each, interleaved by the second; audit sealing every 2 s throughout)`);
    console.log(`  bare single-row INSERT loop                      ${bare.toFixed(0).padStart(7)} /s = 1.000`);
    console.log(`  INSERT + audit entry, one statement (auditedStatement) ${statement.toFixed(0).padStart(6)} /s = ${(statement / bare).toFixed(3)} × bare (goal ≥ 0.7)`);
    console.log(`  INSERT + appendAudit, BEGIN … COMMIT (4 round trips)  ${transaction.toFixed(0).padStart(6)} /s = ${(transaction / bare).toFixed(3)} × bare`);
    console.log(`  audit chain: ${behind} entries waiting for the sealer when the load stopped (sealed in ${sealMs} ms); ${chain.entries} sealed, ${chain.brokenAt ? 'BROKEN' : 'whole'}`);
  } finally {
    await db.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function benchEmbeddedWrites(): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { openPglite } = await import('../src/core/db/database.ts');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-pglite-'));
  const raw = await PGlite.create({ dataDir: path.join(tmp, 'raw') });
  const durable = await openPglite({ dataDir: path.join(tmp, 'durable') });
  try {
    const ddl = 'create table bench_rows (id bigserial primary key, body text not null)';
    await raw.exec(ddl);
    await durable.exec(ddl);
    const run = async (inFlight: number, op: () => Promise<unknown>) => {
      const end = Date.now() + seconds * 1000;
      let n = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (Date.now() < end) {
            await op();
            n++;
          }
        }),
      );
      return n / seconds;
    };
    const body = 'x'.repeat(200);
    console.log(`\nDurable writes on the embedded database (PGlite, ${seconds} s each)`);
    for (const inFlight of [1, 16]) {
      const bare = await run(inFlight, () => raw.query('insert into bench_rows (body) values ($1)', [body]));
      const synced = await run(inFlight, () => durable.query('insert into bench_rows (body) values ($1)', [body]));
      console.log(`  ${String(inFlight).padStart(2)} in flight: without fsync ${bare.toFixed(0).padStart(6)} /s = 1.000; WAL fsynced per commit ${synced.toFixed(0).padStart(6)} /s = ${(synced / bare).toFixed(3)} × without`);
    }
  } finally {
    await raw.close();
    await durable.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function benchModules(): Promise<void> {
  const modulesDir = path.join(root, 'src/modules');
  for (const name of readdirSync(modulesDir).sort()) {
    const file = path.join(modulesDir, name, `${name}.bench.ts`);
    if (!existsSync(file)) continue;
    console.log(`\nModule ${name} (${path.relative(root, file)})`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file, '--seconds', String(seconds)], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) console.log(`  ${name} benchmark failed (exit ${r.status})`);
  }
}

console.log('== building dist/ (the server runs compiled, as in production)');
const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(1);
if (!only || only === 'startup') await benchStartup(5);
if (!only || only === 'reads') await benchReads();
if (!only || only === 'writes') {
  await benchWrites();
  await benchEmbeddedWrites();
}
if (!only || only === 'modules') await benchModules();
