/**
 * The scheduler: named periodic and one-off jobs, run by whichever app server claims them.
 * Every job is a row of scheduled_jobs; an app server claims a due row with a lease (FOR
 * UPDATE SKIP LOCKED, then lease_owner / lease_until), so exactly one server runs a job at a
 * time however many share the database, and a server that dies mid-run loses its lease when
 * it expires. Failed runs are retried with back-off; every run is recorded in job_runs for
 * administrators. Time comes from a Clock, so tests drive the scheduler with tick().
 *
 * main.ts starts it; buildApp() does not, so test apps run no timers.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import type { Db, Sql } from './db/database.ts';
import { runInChannel } from './channel.ts';

export interface JobContext {
  db: Db;
  clock: Clock;
  /** The instant the run started (from the clock). */
  now: Date;
  /** When the run was due. */
  scheduledFor: Date;
  /** The job row's key ('' for a job defined once) and payload. */
  key: string;
  payload: unknown;
  tenantId: string | null;
  /** Which attempt this is (1 for the first). */
  attempt: number;
}

export interface JobDefinition {
  /** Dotted, owner first: "mail.send", "groups.lapse". */
  name: string;
  /** Periodic jobs: seconds between runs; the scheduler keeps one row ('' key) for them. */
  everySeconds?: number;
  /** How long a run may take before another server may take the job over (default 120 s). */
  leaseSeconds?: number;
  /** One-off jobs: attempts before giving up (default 5). */
  maxAttempts?: number;
  /** Does the work; may return a short summary for the run history. Throws to fail the run. */
  run(ctx: JobContext): Promise<string | void>;
  /** How long this job's runs stay in the history (default 90 days; frequent jobs keep less). */
  keepRunsDays?: number;
  /** Releases what the job holds open (connections), when the scheduler stops. */
  close?(): Promise<void>;
}

export interface JobRow {
  name: string;
  key: string;
  tenant_id: string | null;
  every_seconds: number | null;
  run_at: Date;
  payload: unknown;
  lease_owner: string | null;
  lease_until: Date | null;
  attempts: number;
  max_attempts: number;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_status: 'ok' | 'failed' | null;
  last_error: string | null;
  last_summary: string | null;
  gave_up_at: Date | null;
}

/**
 * Schedules a job row (inside the caller's transaction if given one): a one-off run at runAt,
 * or, with everySeconds, a periodic row of its own (e.g. one per monitoring check). Scheduling
 * an existing (name, key) again moves it.
 */
export async function scheduleJob(
  sql: Sql,
  job: { name: string; key?: string; runAt: Date; tenantId?: string | null; payload?: unknown; everySeconds?: number | null; maxAttempts?: number },
): Promise<void> {
  await sql.query(
    `insert into scheduled_jobs (name, key, tenant_id, run_at, payload, every_seconds, max_attempts)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (name, key) do update set run_at = excluded.run_at, payload = excluded.payload,
       every_seconds = excluded.every_seconds, tenant_id = excluded.tenant_id, attempts = 0, gave_up_at = null`,
    [job.name, job.key ?? '', job.tenantId ?? null, job.runAt, JSON.stringify(job.payload ?? {}), job.everySeconds ?? null, job.maxAttempts ?? 5],
  );
}

/** Removes a scheduled job row (e.g. a deleted monitoring check). */
export async function unscheduleJob(sql: Sql, name: string, key = ''): Promise<void> {
  await sql.query('delete from scheduled_jobs where name = $1 and key = $2', [name, key]);
}

/** Makes a job due now, so the next poll of any server runs it (e.g. new mail to send). */
export async function triggerJob(sql: Sql, name: string, now: Date, key = ''): Promise<void> {
  await sql.query('update scheduled_jobs set run_at = least(run_at, $3) where name = $1 and key = $2 and gave_up_at is null', [name, key, now]);
}

/** Every job row, for administrators (a tenant's own rows and the installation's). */
export function listJobs(sql: Sql, tenantId: string): Promise<JobRow[]> {
  return sql.query<JobRow>(
    'select * from scheduled_jobs where tenant_id is null or tenant_id = $1 order by name, key limit 500',
    [tenantId],
  );
}

export interface JobRunRow {
  id: number;
  name: string;
  key: string;
  tenant_id: string | null;
  owner: string;
  scheduled_for: Date;
  started_at: Date;
  finished_at: Date | null;
  status: 'running' | 'ok' | 'failed';
  summary: string | null;
  error: string | null;
}

/** The newest runs, for administrators. */
export function listJobRuns(sql: Sql, tenantId: string, limit = 100): Promise<JobRunRow[]> {
  return sql.query<JobRunRow>(
    'select * from job_runs where tenant_id is null or tenant_id = $1 order by started_at desc, id desc limit $2',
    [tenantId, limit],
  );
}

/** Seconds to wait before attempt n+1 after n failures: 10 s, 20 s, 40 s … at most an hour. */
export function backoffSeconds(failures: number): number {
  return Math.min(3600, 10 * 2 ** Math.max(0, failures - 1));
}

export interface SchedulerOptions {
  db: Db;
  jobs: readonly JobDefinition[];
  clock: Clock;
  /** Identifies this app server in leases and the run history. */
  owner?: string;
  /** How many jobs this server runs at once. */
  concurrency?: number;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface Scheduler {
  readonly owner: string;
  /** Ensures the periodic jobs' rows exist (idempotent). */
  register(): Promise<void>;
  /** Claims and runs every due job once; resolves to the number of runs once they finished. */
  tick(): Promise<number>;
  /** Polls every pollMs until stop(). */
  start(pollMs?: number): void;
  /** Stops polling and waits for running jobs. */
  stop(): Promise<void>;
}

/** A scheduler for these job definitions on db. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { db, clock } = options;
  const owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const byName = new Map(options.jobs.map((j) => [j.name, j]));
  const concurrency = options.concurrency ?? 4;
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<number> | undefined;
  let stopped = false;

  async function register(): Promise<void> {
    const now = clock.now();
    for (const job of options.jobs) {
      if (!job.everySeconds) continue;
      await db.query(
        `insert into scheduled_jobs (name, key, run_at, every_seconds) values ($1, '', $2, $3)
         on conflict (name, key) do update set every_seconds = excluded.every_seconds`,
        [job.name, now, job.everySeconds],
      );
    }
  }

  async function claim(now: Date, limit: number): Promise<JobRow[]> {
    if (byName.size === 0 || limit <= 0) return [];
    const names = [...byName.keys()];
    const leases = names.map((n) => byName.get(n)!.leaseSeconds ?? 120);
    return db.query<JobRow>(
      `update scheduled_jobs j set lease_owner = $1,
              lease_until = $2::timestamptz + make_interval(secs => l.lease),
              attempts = j.attempts + 1, last_started_at = $2
         from (select name, key from scheduled_jobs
                where run_at <= $2 and gave_up_at is null and name = any($3::text[])
                  and (lease_until is null or lease_until <= $2)
                order by run_at limit $5 for update skip locked) due,
              unnest($3::text[], $4::int[]) as l(name, lease)
        where j.name = due.name and j.key = due.key and l.name = j.name
        returning j.*`,
      [owner, now, names, leases, limit],
    );
  }

  async function runOne(row: JobRow): Promise<void> {
    const job = byName.get(row.name)!;
    const startedAt = clock.now();
    const run = await db.one<{ id: number }>(
      `insert into job_runs (name, key, tenant_id, owner, scheduled_for, started_at, status)
       values ($1, $2, $3, $4, $5, $6, 'running') returning id`,
      [row.name, row.key, row.tenant_id, owner, row.run_at, startedAt],
    );
    let summary: string | null = null;
    let error: string | null = null;
    try {
      summary =
        (await runInChannel('job', () =>
          job.run({
            db,
            clock,
            now: startedAt,
            scheduledFor: row.run_at,
            key: row.key,
            payload: row.payload,
            tenantId: row.tenant_id,
            attempt: row.attempts,
          }),
        )) ?? null;
    } catch (err) {
      error = String((err as Error)?.message ?? err).slice(0, 1000);
      options.log?.warn({ job: row.name, key: row.key, err }, 'job failed');
    }
    const finishedAt = clock.now();
    await db.query('update job_runs set finished_at = $2, status = $3, summary = $4, error = $5 where id = $1', [
      run.id,
      finishedAt,
      error === null ? 'ok' : 'failed',
      summary?.slice(0, 1000) ?? null,
      error,
    ]);
    const periodic = row.every_seconds !== null;
    if (error === null && !periodic) {
      await db.query('delete from scheduled_jobs where name = $1 and key = $2 and lease_owner = $3', [row.name, row.key, owner]);
      return;
    }
    // Periodic: next run one interval after this one started (a long outage is not replayed).
    // Failed: back off, and give a one-off job up after its last attempt.
    const retryAt = new Date(finishedAt.getTime() + backoffSeconds(row.attempts) * 1000);
    const nextAt =
      error === null
        ? new Date(startedAt.getTime() + row.every_seconds! * 1000)
        : periodic
          ? new Date(Math.min(retryAt.getTime(), startedAt.getTime() + row.every_seconds! * 1000))
          : retryAt;
    const givesUp = error !== null && !periodic && row.attempts >= row.max_attempts;
    await db.query(
      `update scheduled_jobs set run_at = $4, lease_owner = null, lease_until = null,
              attempts = case when $5::text is null then 0 else attempts end,
              last_finished_at = $6, last_status = $7, last_error = $5, last_summary = $8,
              gave_up_at = case when $9 then $6::timestamptz end
        where name = $1 and key = $2 and lease_owner = $3`,
      [row.name, row.key, owner, nextAt, error, finishedAt, error === null ? 'ok' : 'failed', summary, givesUp],
    );
  }

  /** Claims what is due; with wait, resolves when those runs have finished. */
  async function tickOnce(wait: boolean): Promise<number> {
    const rows = await claim(clock.now(), concurrency - running.size);
    const runs = rows.map((row) => {
      const p: Promise<void> = runOne(row)
        .catch((err: unknown) => options.log?.error({ job: row.name, err }, 'job bookkeeping failed'))
        .finally(() => running.delete(p));
      running.add(p);
      return p;
    });
    if (wait) await Promise.all(runs);
    return rows.length;
  }

  function tick(wait = true): Promise<number> {
    ticking ??= tickOnce(wait).finally(() => {
      ticking = undefined;
    });
    return ticking;
  }

  return {
    owner,
    register,
    tick,
    start(pollMs = 1000) {
      stopped = false;
      const loop = () => {
        if (stopped) return;
        void tick(false)
          .catch((err: unknown) => options.log?.error({ err }, 'scheduler poll failed'))
          .finally(() => {
            if (!stopped) (timer = setTimeout(loop, pollMs)).unref();
          });
      };
      (timer = setTimeout(loop, 0)).unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking?.catch(() => undefined);
      await Promise.all([...running]);
      for (const job of options.jobs) await job.close?.().catch(() => undefined);
    },
  };
}
