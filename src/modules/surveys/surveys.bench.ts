/**
 * Module benchmark (run by `npm run bench`, or `node --import tsx src/modules/surveys/surveys.bench.ts
 * [--seconds 5] [--answers 1000000]`) on PostgreSQL, in its own fresh database:
 * - 1,000,000 answers bulk-loaded (generate_series), the running tallies rebuilt from them;
 * - answer submissions through the real service (code check, rate limit, the answer, its
 *   tallies, one transaction each) against a bare single-row INSERT loop, both 16 in flight,
 *   alternated twice (goal ≥ 0.5 × the bare loop);
 * - the results of the survey (every question, with weighting by sex × age group) read from
 *   the tallies: median and p95 of 50 reads (goal ≤ 50 ms), beside one full recount of the
 *   answers by the database (what every read would cost without tallies);
 * - the open-data CSV of every answer fetched from a live server through the real route,
 *   with the process's peak RSS growth while it streams (goal ≤ 150 MiB);
 * - the tallies checked against a full recount at the end.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../../app.ts';
import type { AuthUser } from '../../core/auth.ts';
import { systemClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import { openPostgres } from '../../core/db/database.ts';
import { createTenant } from '../../core/tenancy.ts';
import { appDeps, composePlatform, migratePlatform } from '../../platform.ts';
import * as repo from './surveys.repository.ts';
import * as service from './surveys.service.ts';

const arg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const seconds = Number(arg('seconds')) || 5;
const answers = Number(arg('answers')) || 1_000_000;
const inFlight = 16;
const pgBase = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MiB = 1024 * 1024;

const admin = new pg.Client({ connectionString: pgBase });
try {
  await admin.connect();
} catch (err) {
  console.log(`  PostgreSQL not reachable (${(err as Error).message}); skipped`);
  process.exit(0);
}
const name = `hibiki_bench_surveys_${process.pid}`;
await admin.query(`create database ${name}`);
const url = new URL(pgBase);
url.pathname = `/${name}`;
const db = await openPostgres(url.toString(), inFlight);
const started = Date.now();
const elapsed = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

try {
  const platform = composePlatform();
  await migratePlatform(db, platform);
  const tenant = (await createTenant(db, { code: 'bench-city', nameJa: '計測市', nameEn: 'Bench City', hostnames: ['bench.localhost'] }))!;
  const config = loadConfig({ HIBIKI_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-')), HIBIKI_SECRET: 'bench-secret-bench-secret-bench-secret-00', LOG_LEVEL: 'silent' });
  const deps = appDeps(platform, db, config, systemClock);
  const staff: AuthUser = { id: '00000000-0000-4000-8000-000000000001', tenantId: tenant.id, email: 'bench', displayName: 'bench', role: 'admin', departmentId: null, departmentCode: null, totpEnabled: false };
  const survey = await service.createSurvey(
    deps,
    tenant,
    staff,
    {
      code: 'bench',
      title: '市民意識調査（計測）',
      fiscalYear: 2026,
      population: 330_000,
      questions: [
        { code: 'Q1', kind: 'perception', text: '協働によるまちづくりが進んでいると感じますか' },
        {
          code: 'Q2',
          kind: 'perception',
          text: '市の窓口の対応に満足していますか',
          scale: {
            choices: [
              { code: '1', label: '満足', positive: true },
              { code: '2', label: 'やや満足', positive: true },
              { code: '3', label: 'どちらともいえない' },
              { code: '4', label: 'やや不満' },
              { code: '5', label: '不満' },
            ],
          },
        },
        { code: 'Q3', kind: 'single', text: '職業', choices: ['会社員', '自営業', '学生', 'その他'] },
        { code: 'Q4', kind: 'multiple', text: '利用した施設', choices: ['図書館', '公民館', '体育館'] },
      ],
    },
    'ja',
  );
  const SEXES = ['女性', '男性'];
  const AGES = ['18-29', '30-39', '40-49', '50-59', '60-69', '70-'];
  await service.setStrata(deps, tenant, staff, 'bench', { cells: SEXES.flatMap((sex, i) => AGES.map((ageGroup, j) => ({ sex, ageGroup, population: 10_000 + 1_000 * (i * 6 + j) }))) }, 'ja');
  await service.changeState(deps, tenant, staff, 'bench', 'open');

  // ------------------------------------------------------------------ bulk load
  let t0 = Date.now();
  await db.query(
    `insert into survey_responses (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers)
     select $1, $2, (array['web', 'paper', 'import'])[1 + i % 3], date '2026-07-01' + (i % 30),
            (array['女性', '男性', null])[1 + (i * 7) % 3], (array['18-29', '30-39', '40-49', '50-59', '60-69', '70-', null])[1 + (i * 11) % 7],
            (array['中央', '東部', '西部', '南部', '北部'])[1 + (i * 13) % 5],
            jsonb_build_object('Q1', (array['1', '2', '3', '4', '8', '9'])[1 + (i * 17) % 6], 'Q2', (array['1', '2', '3', '4', '5'])[1 + (i * 19) % 5],
                               'Q3', (array['会社員', '自営業', '学生', 'その他'])[1 + (i * 23) % 4])
              || case (i * 29) % 5 when 0 then '{"Q4": []}'::jsonb when 1 then '{"Q4": ["図書館"]}' when 2 then '{"Q4": ["図書館", "体育館"]}' when 3 then '{"Q4": ["公民館"]}' else '{}' end
       from generate_series(1, $3::integer) as i`,
    [tenant.id, survey.id, answers],
  );
  await db.query('update surveys set invited = $3 where tenant_id = $1 and id = $2', [tenant.id, survey.id, Math.round(answers * 2.5)]);
  const loaded = elapsed(t0);
  t0 = Date.now();
  await db.transaction((tx) => repo.rebuildTallies(tx, tenant.id, survey.id));
  for (const table of ['survey_responses', 'survey_tallies', 'survey_cell_tallies']) await db.exec(`vacuum analyze ${table}`);
  console.log(`  ${answers.toLocaleString('en')} answers bulk-loaded in ${loaded}, tallies rebuilt from them in ${elapsed(t0)}`);

  // ------------------------------------------------------------------ submissions
  await db.exec('create table bench_rows (id bigserial primary key, tenant_id uuid not null, body text not null)');
  const codes = await service.createInvitations(deps, tenant, staff, 'bench', 60_000);
  let next = 0;
  const run = async (op: (i: number) => Promise<void>, forSeconds = seconds) => {
    const end = Date.now() + forSeconds * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (Date.now() < end) await op(n++);
      }),
    );
    return n / forSeconds;
  };
  const submit = async () => {
    const i = next++;
    const code = codes[i];
    if (!code) throw new Error('out of invitation codes: raise the number generated');
    // Each answer from its own address, as citizens answer from their own homes.
    const who = { user: null, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
    const body = { invitation: code, answers: { Q1: String([1, 2, 3, 4, 8][i % 5]), Q2: String(1 + (i % 5)), Q3: ['会社員', '学生'][i % 2], Q4: i % 3 ? ['図書館'] : [] }, attributes: { sex: SEXES[i % 2], ageGroup: AGES[i % 6] } };
    await service.submitResponse(deps, tenant, who, 'bench', body, 'ja');
  };
  await run(submit, 1); // warm-up
  const bare: number[] = [];
  const submitted: number[] = [];
  const wal = async () => db.one<{ records: string; fpi: string; bytes: string }>('select wal_records as records, wal_fpi as fpi, wal_bytes as bytes from pg_stat_wal');
  const diag = process.argv.includes('--diag');
  const perOp = async (what: string, rate: number, w0: { records: string; fpi: string; bytes: string }) => {
    const w1 = await wal();
    const ops = rate * seconds;
    if (diag) console.log(`  (${what}: ${((Number(w1.bytes) - Number(w0.bytes)) / ops).toFixed(0)} WAL bytes, ${((Number(w1.fpi) - Number(w0.fpi)) / ops).toFixed(2)} full pages, ${((Number(w1.records) - Number(w0.records)) / ops).toFixed(1)} records per op)`);
  };
  for (let round = 0; round < 2; round++) {
    let w0 = await wal();
    bare.push(await run(async () => {
      await db.query('insert into bench_rows (tenant_id, body) values ($1, $2)', [tenant.id, 'x'.repeat(200)]);
    }));
    await perOp('bare', bare[round]!, w0);
    w0 = await wal();
    submitted.push(await run(submit));
    await perOp('answer', submitted[round]!, w0);
  }
  const b = bare.reduce((s, x) => s + x, 0) / bare.length;
  const s = submitted.reduce((t, x) => t + x, 0) / submitted.length;
  console.log(`  Answer submissions on PostgreSQL (${inFlight} in flight, ${seconds} s × 2 rounds each)`);
  console.log(`  bare single-row INSERT loop                              ${b.toFixed(0).padStart(7)} /s = 1.000`);
  console.log(`  answer: code, rate limit, response, tallies, one commit  ${s.toFixed(0).padStart(7)} /s = ${(s / b).toFixed(3)} × bare (goal ≥ 0.5)`);

  await service.changeState(deps, tenant, staff, 'bench', 'close');
  await service.changeState(deps, tenant, staff, 'bench', 'publish');
  const total = (await repo.findSurvey(db, tenant.id, 'bench'))!.respondents;

  // ------------------------------------------------------------------ results
  const reads: number[] = [];
  let weighted = 0;
  for (let i = 0; i < 55; i++) {
    const r0 = performance.now();
    const r = await service.surveyResults(db, tenant.id, null, 'bench');
    if (i >= 5) reads.push(performance.now() - r0); // the first five warm the caches
    weighted = r.questions[0]!.weighted?.cellsUsed ?? 0;
  }
  t0 = Date.now();
  await repo.recountInDatabase(db, tenant.id, survey.id);
  const scan = Date.now() - t0;
  console.log(`  Results of the survey (4 questions, weighted over ${weighted} cells) from the tallies, ${total.toLocaleString('en')} answers, 50 reads`);
  console.log(`  median ${ms(quantile(reads, 0.5))}, p95 ${ms(quantile(reads, 0.95))} (goal ≤ 50 ms); one full recount of the answers instead: ${scan} ms`);

  // ------------------------------------------------------------------ export
  const app = await buildApp({ db, config, logger: false, platform });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  t0 = Date.now();
  const { bytes, lines, status } = await new Promise<{ bytes: number; lines: number; status: number }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/opendata/surveys/bench/answers.csv', headers: { host: 'bench.localhost' } }, (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ bytes, lines, status: res.statusCode ?? 0 }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const took = elapsed(t0);
  await app.close();
  if (status !== 200 || lines !== total + 1) throw new Error(`export: status ${status}, ${lines} lines for ${total} answers`);
  console.log(`  CSV export of ${total.toLocaleString('en')} answers over HTTP (${(bytes / MiB).toFixed(0)} MiB, ${took})`);
  console.log(`  peak RSS growth ${((peak - before) / MiB).toFixed(1)} MiB (goal ≤ 150 MiB; RSS before ${(before / MiB).toFixed(0)} MiB)`);

  // ------------------------------------------------------------------ proof
  t0 = Date.now();
  const verified = await service.verifyTallies(db, tenant.id, 'bench');
  console.log(`  tallies equal a full recount: ${verified.same} (${verified.stored.toLocaleString('en')} answers, checked in ${elapsed(t0)}); bench total ${elapsed(started)}`);
  if (!verified.same) process.exitCode = 1;
} finally {
  await db.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
