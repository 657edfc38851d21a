/**
 * Module benchmark (run by `npm run bench`, or by hand:
 *   node --import tsx src/modules/surveys/surveys.bench.ts [--seconds 5] [--answers 1000000] [--engines postgres,pglite] [--keep]
 * ): one survey of a million answers, on PostgreSQL (a scratch database on BENCH_DATABASE_URL
 * or DATABASE_URL, dropped afterwards) and on the embedded PGlite (a scratch data folder).
 *
 * 1. Load: the answers (the plan's three 市民の実感 questions, 6-1-3's own five-point scale, a
 *    single, a multiple, a number and a free-text question, with sex, age group and area) and
 *    their used invitation codes are inserted in batches by generate_series; the tallies and the
 *    respondent count are built by the module's own rebuildTallies, then proved equal to a full
 *    recount (verifyTallies, per weighting cell).
 * 2. Submissions, while the survey is open: the real path (submitResponse: the answer form,
 *    the answers checked, then one statement that checks the address's room under the guessing
 *    limit, redeems the code and drops the answer into the ballot box) against a bare
 *    single-row INSERT loop on the same database, 16 in flight each, in alternating half-second
 *    slices; goal ≥ 0.5 × bare. Each answer comes from its own client address, as from
 *    separate households: the limit is checked as in production but never reached. A third loop
 *    passes no limit (submitResponse's `guard` parameter as null, for benchmarks only; every
 *    route uses the default) to show the check's share. Then the answers are settled (surveys.settle:
 *    moved to the responses with the tallies, in one statement), timed per answer, since that
 *    work left the answer's path; the tallies are proved equal to a recount again afterwards.
 *    Closing the survey (every response rewritten in one transaction, then vacuumed) is timed.
 * 3. Results of the closed and published survey, with weighting cells set: the service's
 *    resultsOf (uncached), median and p95; goal ≤ 50 ms. Then the public route over HTTP.
 * 4. Export: /opendata/…/answers.csv from Hibiki started as its own process (`node
 *    dist/main.js`, default settings), read by this process, the server's VmRSS sampled from
 *    /proc every 10 ms; goal: peak growth over the idle server ≤ 150 MiB.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import pg from 'pg';
import type { AuthUser } from '../../core/auth.ts';
import { systemClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import { openPglite, openPostgres, type Db } from '../../core/db/database.ts';
import type { RateLimit } from '../../core/rate-limit.ts';
import { createTenant, type Tenant } from '../../core/tenancy.ts';
import { appDeps, composePlatform, migratePlatform } from '../../platform.ts';
import * as repo from './surveys.repository.ts';
import * as service from './surveys.service.ts';

const arg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const seconds = Number(arg('seconds')) || 5;
const answers = Number(arg('answers')) || 1_000_000;
const engines = (arg('engines') ?? 'postgres,pglite').split(',');
/** Keeps the scratch PostgreSQL database (its URL printed) for a look afterwards. */
const keep = process.argv.includes('--keep');
const inFlight = 16;
const pgBase = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = path.resolve(import.meta.dirname, '../../..');
const SURVEY = 'bench-2026';
const TENANT = 'bench-city';
const MiB = 1024 * 1024;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;
const goal = (ok: boolean) => (ok ? 'met' : 'MISSED');

const definition = {
  code: SURVEY,
  title: '令和8年度 市民意識調査（計測用）',
  fiscalYear: 2026,
  population: 270_000,
  questions: [
    { code: 'Q6-1', kind: 'perception', text: '市役所の行うさまざまな活動が、市民や地域の協力を得ながら取り組まれていると感じますか' },
    { code: 'Q6-2', kind: 'perception', text: '市役所は、適正な予算で質の高い行政サービスを提供できていると感じますか' },
    { code: 'Q6-3', kind: 'perception', text: '日々の暮らしや、まちづくりの中で、パソコンや携帯電話などの情報通信機器が活用されていると感じますか' },
    {
      code: 'G1',
      kind: 'perception',
      text: '女性が子育てをしながら働くことを支持しますか',
      scale: { choices: [{ code: '1', label: '賛成', positive: true }, { code: '2', label: 'どちらかといえば賛成', positive: true }, { code: '3', label: 'どちらかといえば反対' }, { code: '4', label: '反対' }, { code: '8', label: 'わからない', substantive: false }] },
    },
    { code: 'S1', kind: 'single', text: '市の情報をおもに何で得ていますか', choices: ['広報まえばし', 'ホームページ', 'SNS', '回覧板', 'その他'] },
    { code: 'M1', kind: 'multiple', text: '関心のある分野（いくつでも）', choices: ['子育て', '福祉', '防災', '環境', '交通', '文化・スポーツ'] },
    { code: 'N1', kind: 'number', text: '市内に住んで何年になりますか' },
    { code: 'T1', kind: 'text', text: '市政へのご意見' },
  ],
};
const SEXES = ['女性', '男性'];
const AGES = ['18-29歳', '30-39歳', '40-49歳', '50-59歳', '60-69歳', '70歳以上'];
const AREAS = ['中央', '東', '西', '南', '北', '大胡', '宮城', '粕川', '富士見'];

/** A choice from cumulative weights, in SQL: `pick(x, ['1','2'], [0.3, 1])`. */
function pick(x: string, codes: readonly string[], cumulative: readonly number[]): string {
  return `case ${codes.map((c, i) => (i === codes.length - 1 ? `else '${c}'` : `when ${x} < ${cumulative[i]} then '${c}'`)).join(' ')} end`;
}
const cum = (shares: readonly number[]) => shares.map((_, i) => shares.slice(0, i + 1).reduce((s, x) => s + x, 0));
const PERCEPTION = ['1', '2', '3', '4', '8', '9'];

/**
 * Responses first..last as stored answers: the perception questions skewed by age group (older
 * respondents feel more positive), a blank 6-1-3 now and then (no 無回答 on its scale), a
 * multiple choice of zero to six, a number and an occasional short opinion.
 */
function loadSql(first: number, last: number): string {
  const perception = (x: string, shift: number) => pick(x, PERCEPTION, cum([0.05 + shift, 0.25 + shift, 0.33 - shift, 0.1 - shift, 0.22, 0.05]));
  const multiple = ['子育て', '福祉', '防災', '環境', '交通', '文化・スポーツ'].map((c, i) => `case when r${9 + i} < ${[0.35, 0.3, 0.45, 0.2, 0.25, 0.15][i]} then '${c}' end`).join(', ');
  return `
    insert into survey_responses (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers)
    select $1, $2, ${pick('r1', ['web', 'paper', 'import'], [0.62, 0.97, 1])}, date '2026-07-01' + (g % 31),
           case when r2 < 0.02 then null when r2 < 0.53 then '女性' else '男性' end,
           case when r3 < 0.01 then null else (array[${AGES.map((a) => `'${a}'`).join(',')}])[1 + floor(r3 * 6)::integer] end,
           (array[${AREAS.map((a) => `'${a}'`).join(',')}])[1 + floor(r4 * ${AREAS.length})::integer],
           jsonb_strip_nulls(jsonb_build_object(
             'Q6-1', ${perception('r5', 0)},
             'Q6-2', ${perception('r6', -0.02)},
             'Q6-3', ${perception('r7', 0.03)},
             'G1', case when r8 < 0.03 then null else ${pick('r8', ['1', '2', '3', '4', '8'], [0.18, 0.43, 0.6, 0.68, 1])} end,
             'S1', ${pick('r15', ['広報まえばし', 'ホームページ', 'SNS', '回覧板', 'その他'], [0.45, 0.65, 0.8, 0.95, 1])},
             'M1', nullif(to_jsonb(array_remove(array[${multiple}], null)), '[]'::jsonb),
             'N1', case when r16 < 0.05 then null else floor(r16 * 60)::integer end,
             'T1', case when r17 < 0.08 then '意見 ' || g end))
      from (select g, ${Array.from({ length: 17 }, (_, i) => `random() as r${i + 1}`).join(', ')} from generate_series(${first}, ${last}) as g) as s`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Hibiki as its own process, the way a user starts it (`node dist/main.js`). */
async function serve(env: Record<string, string>): Promise<{ base: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', HIBIKI_DEFAULT_TENANT: TENANT, HIBIKI_DEMO: 'false', ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: root, env: childEnv, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    if (i > 3000) throw new Error('the server did not answer');
    const up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    base,
    child,
    async stop() {
      process.kill(-child.pid!, 'SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

/** VmRSS and VmHWM of a process, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU time (µs) of every process named postgres on this machine (a local server; 0 when there is none). */
function postgresCpuUs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1e6) / 100;
}

interface Engine {
  label: string;
  db: Db;
  /** Closes this process's handle when the server must own the database (PGlite's folder lock). */
  handOver(): Promise<void>;
  serverEnv: Record<string, string>;
  cleanup(): Promise<void>;
}

async function postgresEngine(): Promise<Engine | undefined> {
  const admin = new pg.Client({ connectionString: pgBase });
  try {
    await admin.connect();
  } catch (err) {
    console.log(`  PostgreSQL not reachable (${(err as Error).message}); skipped`);
    return undefined;
  }
  const name = `hibiki_bench_surveys_${process.pid}`;
  await admin.query(`create database ${name}`);
  const url = new URL(pgBase);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), inFlight);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-surveys-'));
  let open = true;
  return {
    label: 'PostgreSQL',
    db,
    async handOver() {},
    serverEnv: { DATABASE_URL: url.toString(), HIBIKI_DATA_DIR: dataDir },
    async cleanup() {
      if (open) await db.close();
      open = false;
      if (keep) console.log(`  kept ${url.toString()}`);
      else await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function pgliteEngine(): Promise<Engine> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-surveys-pglite-'));
  const db = await openPglite({ dataDir });
  let open = true;
  return {
    label: 'PGlite',
    db,
    async handOver() {
      if (open) await db.close();
      open = false;
    },
    serverEnv: { HIBIKI_DATA_DIR: dataDir },
    async cleanup() {
      if (open) await db.close();
      open = false;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function benchOn(engine: Engine): Promise<void> {
  const { db } = engine;
  const platform = composePlatform();
  await migratePlatform(db, platform);
  const tenant: Tenant = (await createTenant(db, { code: TENANT, nameJa: '計測市', nameEn: 'Bench City', hostnames: [] }))!;
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-'));
  process.once('exit', () => rmSync(configDir, { recursive: true, force: true }));
  const config = loadConfig({ HIBIKI_DATA_DIR: configDir, HIBIKI_SECRET: 'bench-secret-bench-secret-bench-secret-00', LOG_LEVEL: 'silent' });
  const deps = appDeps(platform, db, config, systemClock);
  const staff: AuthUser = { id: '00000000-0000-4000-8000-000000000001', tenantId: tenant.id, email: 'bench', displayName: 'bench', role: 'plan_manager', departmentId: null, departmentCode: null, totpEnabled: false };
  await service.createSurvey(deps, tenant, staff, definition, 'ja');
  const survey = (await service.changeState(deps, tenant, staff, SURVEY, 'open'))!;
  console.log(`\n  ${engine.label}: ${fmt(answers)} answers to ${definition.questions.length} questions in one survey (load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);

  // 1. Load, rebuild, recount.
  let t0 = performance.now();
  const batch = 100_000;
  for (let first = 1; first <= answers; first += batch) {
    const last = Math.min(answers, first + batch - 1);
    await db.transaction(async (tx) => {
      await tx.query(loadSql(first, last), [tenant.id, survey.id]);
      await tx.query(
        `insert into survey_invitations (tenant_id, survey_id, code_hash, used)
         select $1, $2, encode(sha256(convert_to('bench-invitation:' || g, 'UTF8')), 'hex'), true from generate_series(${first}, ${last}) as g`,
        [tenant.id, survey.id],
      );
    });
  }
  await db.query('update surveys set invited = invited + $3 where tenant_id = $1 and id = $2', [tenant.id, survey.id, answers]);
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  await db.transaction((tx) => repo.rebuildTallies(tx, tenant.id, survey.id));
  const rebuildMs = performance.now() - t0;
  await db.exec('analyze survey_responses; analyze survey_invitations; analyze survey_tallies');
  t0 = performance.now();
  const verified = await service.verifyTallies(db, tenant.id, SURVEY);
  const verifyMs = performance.now() - t0;
  console.log(`  load: ${fmt(answers)} responses and used codes in ${fmt(loadMs / 1000, 1)} s (${fmt(answers / (loadMs / 1000))} /s); tallies and respondents rebuilt by the module (rebuildTallies) in ${fmt(rebuildMs / 1000, 1)} s`);
  console.log(`  recount: running tallies ${verified.same ? '=' : '≠'} full recount (respondents ${fmt(verified.respondents)}, stored ${fmt(verified.stored)}) in ${fmt(verifyMs / 1000, 1)} s: ${verified.same ? 'equal' : 'NOT EQUAL'}`);

  // 4. Submissions (while the survey is open), against a bare insert loop.
  await db.exec('create table bench_rows (id bigserial primary key, tenant_id uuid not null, body text not null)');
  const codes: string[] = [];
  const needCodes = Math.max(6000, seconds * 2 * 2 * 10000);
  while (codes.length < needCodes) codes.push(...(await service.createInvitations(deps, tenant, staff, SURVEY, Math.min(5000, needCodes - codes.length))));
  let nextCode = 0;
  let address = 0;
  const answerOf = (i: number) => ({
    'Q6-1': PERCEPTION[i % 6],
    'Q6-2': PERCEPTION[(i * 7) % 6],
    'Q6-3': PERCEPTION[(i * 5 + 1) % 6],
    G1: ['1', '2', '3', '4', '8', ''][i % 6],
    S1: ['広報まえばし', 'ホームページ', 'SNS', '回覧板', 'その他'][i % 5],
    M1: [['子育て'], ['防災', '交通'], [], ['福祉', '環境', '文化・スポーツ']][i % 4],
    N1: i % 40,
    ...(i % 12 === 0 ? { T1: `意見 ${i}` } : {}),
  });
  const submit = async (guard?: RateLimit | null) => {
    const i = nextCode++;
    if (i >= codes.length) throw new Error('ran out of invitation codes: raise needCodes');
    address++;
    const ip = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    await service.submitResponse(deps, tenant, { user: null, ip }, SURVEY, { invitation: codes[i], answers: answerOf(i), attributes: { sex: SEXES[i % 2], ageGroup: AGES[i % 6], area: AREAS[i % 9] } }, 'ja', guard);
  };
  type Counter = { n: number; ms: number; nodeUs: number; serverUs: number };
  const counter = (): Counter => ({ n: 0, ms: 0, nodeUs: 0, serverUs: 0 });
  const slice = async (ms: number, op: () => Promise<unknown>, c: Counter) => {
    const end = Date.now() + ms;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const server0 = postgresCpuUs();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (Date.now() < end) {
          await op();
          c.n++;
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    c.nodeUs += cpu.user + cpu.system;
    c.serverUs += postgresCpuUs() - server0;
    c.ms += performance.now() - start;
  };
  const bareInsert = () => db.query('insert into bench_rows (tenant_id, body) values ($1, $2)', [tenant.id, 'x'.repeat(200)]);
  // Warm-up: connections, plans, the answer form.
  await slice(1000, () => submit(), counter());
  await slice(500, bareInsert, counter());
  const bare = counter();
  const submitted = counter();
  const unlimited = counter();
  const slices = Math.max(1, Math.round((2 * seconds) / 0.5));
  for (let k = 0; k < slices; k++) {
    await slice(500, bareInsert, bare);
    await slice(500, () => submit(), submitted);
    await slice(500, () => submit(null), unlimited);
  }
  const rate = (c: Counter) => (c.n * 1000) / c.ms;
  const cpu = (c: Counter) => `${fmt(c.nodeUs / c.n).padStart(4)} µs Node CPU${engine.label === 'PostgreSQL' ? `, ${fmt(c.serverUs / c.n).padStart(4)} µs PostgreSQL CPU` : ''} each`;
  const waiting = await service.verifyTallies(db, tenant.id, SURVEY);
  const settleStart = performance.now();
  const settleCpu = process.cpuUsage();
  const settleServer = postgresCpuUs();
  const settled = await repo.settleBallots(db, tenant.id, survey.id, repo.SETTLE_GROUP);
  const settleMs = performance.now() - settleStart;
  const settleNodeUs = ((c) => c.user + c.system)(process.cpuUsage(settleCpu));
  const settleServerUs = postgresCpuUs() - settleServer;
  const after = await service.verifyTallies(db, tenant.id, SURVEY);
  console.log(`  submissions (${inFlight} in flight, ${2 * seconds} s each in alternating half-second slices, over the loaded survey${engine.label === 'PostgreSQL' ? "; PostgreSQL's CPU is the whole local server's, other users included" : '; PGlite runs inside this process'}):`);
  console.log(`    bare single-row INSERT loop                          ${fmt(rate(bare)).padStart(6)} /s = 1.000          ${cpu(bare)}`);
  console.log(`    answer via submitResponse (real path, limit checked) ${fmt(rate(submitted)).padStart(6)} /s = ${(rate(submitted) / rate(bare)).toFixed(3)} × bare  ${cpu(submitted)} (goal ≥ 0.5: ${goal(rate(submitted) / rate(bare) >= 0.5)})`);
  console.log(`    the same without the per-address limit (bench only)  ${fmt(rate(unlimited)).padStart(6)} /s = ${(rate(unlimited) / rate(bare)).toFixed(3)} × bare  ${cpu(unlimited)} (goal ≥ 0.5: ${goal(rate(unlimited) / rate(bare) >= 0.5)})`);
  console.log(
    `    settling the ${fmt(waiting.waiting)} waiting answers (surveys.settle, one statement): ${fmt(settled)} moved in ${fmt(settleMs)} ms = ${fmt((settleMs * 1000) / Math.max(1, settled))} µs each` +
      ` (${fmt(settleNodeUs / Math.max(1, settled))} µs Node CPU${engine.label === 'PostgreSQL' ? `, ${fmt(settleServerUs / Math.max(1, settled))} µs PostgreSQL CPU` : ''} each)`,
  );
  console.log(`    afterwards: tallies ${after.same ? '= recount' : '≠ RECOUNT'} over ${fmt(after.stored)} responses (respondents ${fmt(after.respondents)}, ${fmt(after.waiting)} waiting)`);

  // 2. Results of the published survey, computed afresh each time (the service, no cache).
  const closeStart = performance.now();
  await service.changeState(deps, tenant, staff, SURVEY, 'close');
  console.log(`  close: ${fmt(after.stored)} responses rewritten in one transaction and vacuumed in ${fmt((performance.now() - closeStart) / 1000, 1)} s`);
  const published = await service.changeState(deps, tenant, staff, SURVEY, 'publish');
  const cells = SEXES.flatMap((sex, i) => AGES.map((ageGroup, j) => ({ sex, ageGroup, population: 15_000 + 1_000 * i + 2_000 * j })));
  await service.setStrata(deps, tenant, staff, SURVEY, { cells }, 'ja');
  const timeResults = async (runs: number) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const r = await service.resultsOf(db, tenant.id, published);
      times.push(performance.now() - s);
      if (r.questions.length !== definition.questions.length) throw new Error('results: wrong number of questions');
    }
    return times;
  };
  await timeResults(3);
  const times = await timeResults(Math.max(20, seconds * 10));
  const sample = await service.resultsOf(db, tenant.id, published);
  const q61 = sample.questions.find((q) => q.code === 'Q6-1')!;
  console.log(`  results (resultsOf: every question's counts, shares with intervals, mean score, weighted share over ${cells.length} cells; ${times.length} runs):`);
  console.log(`    Q6-1 positive share ${(q61.positiveShare!.value * 100).toFixed(2)} % [${(q61.positiveShare!.low * 100).toFixed(2)}, ${(q61.positiveShare!.high * 100).toFixed(2)}], weighted ${((q61.weighted?.value ?? Number.NaN) * 100).toFixed(2)} %`);
  console.log(`    median ${median(times).toFixed(1)} ms, p95 ${p95(times).toFixed(1)} ms = ${(p95(times) / 50).toFixed(3)} × the 50 ms goal (${goal(p95(times) <= 50)})`);

  // 3. The export, from Hibiki in its own process.
  await engine.handOver();
  const server = await serve(engine.serverEnv);
  try {
    const pid = server.child.pid!;
    // The server warmed up: its routes compiled, a page of answers streamed, the results read.
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${server.base}/api/v1/surveys/${SURVEY}/results`);
      if (!r.ok) throw new Error(`results: ${r.status}`);
      await r.arrayBuffer();
    }
    const httpTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const r = await fetch(`${server.base}/api/v1/surveys/${SURVEY}/results`);
      await r.arrayBuffer();
      httpTimes.push(performance.now() - s);
    }
    console.log(`  GET /api/v1/surveys/${SURVEY}/results over HTTP (server process, public cached read): median ${median(httpTimes).toFixed(1)} ms, p95 ${p95(httpTimes).toFixed(1)} ms`);
    await new Promise((r) => setTimeout(r, 500));
    const baseline = memoryOf(pid);
    let peak = baseline.rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryOf(pid).rss);
    }, 10);
    const start = performance.now();
    // As a browser asks for it (the server picks brotli); the bytes on the wire and the CSV both counted.
    const { encoding, wire, bytes, lines } = await new Promise<{ encoding: string; wire: number; bytes: number; lines: number }>((resolve, reject) => {
      http
        .get(`${server.base}/opendata/surveys/${SURVEY}/answers.csv`, { headers: { 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`answers.csv: ${res.statusCode}`));
          const encoding = String(res.headers['content-encoding'] ?? 'identity');
          let wire = 0;
          let bytes = 0;
          let lines = 0;
          res.on('data', (chunk: Buffer) => (wire += chunk.length));
          const body = encoding === 'br' ? res.pipe(zlib.createBrotliDecompress()) : encoding === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
          body.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          });
          body.on('end', () => resolve({ encoding, wire, bytes, lines }));
          body.on('error', reject);
        })
        .on('error', reject);
    });
    const exportS = (performance.now() - start) / 1000;
    clearInterval(sampler);
    const end = memoryOf(pid);
    peak = Math.max(peak, end.rss);
    const rows = lines - 1;
    const growth = (peak - baseline.rss) / MiB;
    console.log(`  export GET /opendata/surveys/${SURVEY}/answers.csv (server process ${pid}, read by this process):`);
    console.log(`    ${fmt(rows)} rows (${rows === after.stored ? 'every response' : `EXPECTED ${fmt(after.stored)}`}), ${fmt(bytes / MiB, 1)} MiB of CSV (${fmt(wire / MiB, 1)} MiB on the wire, ${encoding}) in ${exportS.toFixed(1)} s (${fmt(rows / exportS)} rows/s)`);
    console.log(`    server RSS: idle ${fmt(baseline.rss / MiB, 1)} MiB, peak ${fmt(peak / MiB, 1)} MiB, after ${fmt(end.rss / MiB, 1)} MiB; VmHWM ${fmt(baseline.hwm / MiB, 1)} → ${fmt(end.hwm / MiB, 1)} MiB`);
    console.log(`    peak growth ${fmt(growth, 1)} MiB = ${(growth / 150).toFixed(3)} × the 150 MiB goal (${goal(growth <= 150)})`);
  } finally {
    await server.stop();
  }
}

const dist = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (dist.status !== 0) throw new Error('scripts/build.mjs failed');
for (const name of engines) {
  const engine = name === 'pglite' ? await pgliteEngine() : name === 'postgres' ? await postgresEngine() : undefined;
  if (!engine) continue;
  try {
    await benchOn(engine);
  } finally {
    await engine.cleanup();
  }
}
