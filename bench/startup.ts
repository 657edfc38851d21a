/**
 * Start-up as a user gets it: the server started as its own process (`npm start`, and `node
 * dist/main.js` without npm's own start-up), timed from spawn until /healthz answers, with the
 * resident memory of the server process once it is up. The first start on an empty embedded
 * folder (database created, demo seeded) is reported separately from starts on the existing
 * folder. Baseline in the same run: a bare `node -e` that starts an HTTP server. Also the
 * first indicator page (its chart) asked for the moment /healthz answers: with nothing kept
 * from before, and after a clean restart that kept the public reads (core/public-read.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openPglite } from '../src/core/db/database.ts';

const root = path.resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The process and all its descendants (npm → sh → node). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** The node process serving (the largest of the tree). */
function serverRss(child: ChildProcess): number {
  const pids = [child.pid!, ...descendants(child.pid!)];
  return Math.max(...pids.map((p) => {
    try {
      return rssMiB(p);
    } catch {
      return 0;
    }
  }));
}

/** The embedded database: a DATABASE_URL from the caller's shell must not leak in. */
function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.DATABASE_URL;
  return copy;
}

export interface StartResult {
  ms: number;
  rssMiB: number;
  /** How long the first request for `firstRequest` took, asked the moment /healthz answered. */
  firstMs?: number;
}

/** What timeStart asks once /healthz answers, and where the server listens. */
export interface StartOptions {
  /** A path asked for (and timed) after /healthz answers … */
  firstRequest?: string;
  /** … this long after it (default at once). */
  askAfterMs?: number;
  /** The port (default a free one). */
  port?: number;
}

/** Spawns command, waits for /healthz, measures (and asks for options.firstRequest), stops it. */
export async function timeStart(command: string[], env: Record<string, string>, { firstRequest, askAfterMs = 0, ...options }: StartOptions = {}): Promise<StartResult> {
  const port = options.port ?? (await freePort());
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: withoutDatabaseUrl({ ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env }),
    stdio: 'ignore',
    detached: true,
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = performance.now() - started;
    let firstMs: number | undefined;
    if (firstRequest) {
      if (askAfterMs) await new Promise((r) => setTimeout(r, askAfterMs));
      const asked = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}${firstRequest}`, { headers: { 'accept-language': 'ja', 'accept-encoding': 'br, gzip' } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${firstRequest}: ${res.status}`);
      firstMs = performance.now() - asked;
    }
    await new Promise((r) => setTimeout(r, 300));
    return { ms, rssMiB: serverRss(child), ...(firstMs === undefined ? {} : { firstMs }) };
  } finally {
    if (child.exitCode === null) {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    // npm exits before the server it started has closed its database: wait for the whole
    // process group, or the next start would queue behind the data folder's lock.
    for (;;) {
      try {
        process.kill(-child.pid!, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const CHART_PAGE = '/plan/indicators/6-1-1';

/** Deletes what the last shutdown kept (core/public-read.ts), the server being stopped. */
async function forgetKeptReads(dataDir: string): Promise<void> {
  const db = await openPglite({ dataDir });
  try {
    await db.query('delete from kept_public_reads');
  } finally {
    await db.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the start-up benchmark and prints it. */
export async function benchStartup(runs = 5): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-start-'));
  const env = { HIBIKI_DATA_DIR: dataDir };
  try {
    const baseline: StartResult[] = [];
    for (let i = 0; i < runs; i++) {
      baseline.push(await timeStart([process.execPath, '-e', "require('http').createServer((q,s)=>s.end('ok')).listen(process.env.PORT,'127.0.0.1')"], {}));
    }
    const first = await timeStart(['npm', 'start'], env);
    const viaNpm: StartResult[] = [];
    const direct: StartResult[] = [];
    // The first chart page after a start: with nothing kept (the kept public reads deleted
    // while the server is stopped, as after a crash or an upgrade), and after a clean restart
    // that kept it.
    const cold: StartResult[] = [];
    const kept: StartResult[] = [];
    for (let i = 0; i < runs; i++) {
      viaNpm.push(await timeStart(['npm', 'start'], env));
      direct.push(await timeStart([process.execPath, 'dist/main.js'], env));
      await forgetKeptReads(dataDir);
      cold.push(await timeStart([process.execPath, 'dist/main.js'], env, { firstRequest: CHART_PAGE }));
      // A server that served the page once its start-up jobs had run (a self-check after the
      // downtime moves the monitoring figures, and with them the plan's pages), then stopped,
      // and started again where it listened (its public URL is part of what pages were made by).
      const port = await freePort();
      await timeStart([process.execPath, 'dist/main.js'], env, { firstRequest: CHART_PAGE, askAfterMs: 3000, port });
      kept.push(await timeStart([process.execPath, 'dist/main.js'], env, { firstRequest: CHART_PAGE, port }));
    }
    const b = median(baseline.map((r) => r.ms));
    const line = (label: string, rs: StartResult[]) => {
      const ms = median(rs.map((r) => r.ms));
      console.log(`  ${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms (${(ms / b).toFixed(1)} × bare node http), RSS ${median(rs.map((r) => r.rssMiB)).toFixed(0)} MiB`);
    };
    console.log(`\nStart-up (embedded database; median of ${runs}; baseline: bare node:http server ${b.toFixed(0)} ms, RSS ${median(baseline.map((r) => r.rssMiB)).toFixed(0)} MiB)`);
    line('first start, empty folder (create + seed)', [first]);
    line('npm start, existing folder', viaNpm);
    line('node dist/main.js, existing folder', direct);
    const chart = (label: string, rs: StartResult[]) =>
      console.log(`  ${label.padEnd(44)} ${median(rs.map((r) => r.firstMs!)).toFixed(0).padStart(6)} ms (range ${Math.min(...rs.map((r) => r.firstMs!)).toFixed(0)}–${Math.max(...rs.map((r) => r.firstMs!)).toFixed(0)}), asked the moment /healthz answered`);
    chart(`first ${CHART_PAGE}, nothing kept`, cold);
    chart(`first ${CHART_PAGE}, after a clean restart`, kept);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStartup(Number(process.argv[2] ?? 5));
