/**
 * PGlite does not lock its data folder, and two processes writing one folder corrupt it.
 * The lock is a file created exclusively, recording the owner's pid AND that process's start
 * time (from /proc): a pid that is alive but belongs to another process — pid 1 in a container
 * after a crash, or our own pid reused — is recognised as a stale lock and taken over. A lock
 * whose owner is still shutting down (just killed) is waited for briefly.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface DataDirLock {
  release(): void;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `データフォルダ ${dataDir} は別のプロセス (pid ${pid}) が使用中です。サーバーを停止してから実行してください。` +
        ` / The data folder ${dataDir} is in use by another process (pid ${pid}); stop the server first.`,
    );
  }
}

interface LockRecord {
  pid: number;
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat field 22), or null off Linux. */
  started: string | null;
  token: string;
}

/** A process's start time, which together with its pid names it uniquely; null when unknown. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRecord(file: string): LockRecord | null {
  const text = readFileSync(file, 'utf8').trim();
  try {
    const r = JSON.parse(text) as LockRecord;
    if (Number.isInteger(r.pid)) return r;
  } catch {
    // The previous format held the pid alone.
  }
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 ? { pid, started: null, token: '' } : null;
}

/** True when the process the record names is still the one running under its pid. */
function ownerRunning(r: LockRecord, self: string): boolean {
  if (!isAlive(r.pid)) return false;
  const now = processStartTime(r.pid);
  if (r.started !== null && now !== null) return now === r.started && r.token !== self;
  // The old format recorded no start time: a live pid counts only if it is another node process
  // (pid 1 in a container after a crash is usually something else).
  if (r.pid === process.pid) return false;
  try {
    return /node|hibiki/.test(readFileSync(`/proc/${r.pid}/cmdline`, 'latin1'));
  } catch {
    return true; // no /proc: a live pid may be the owner
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the folder's lock or throws DataDirLockedError (after waiting up to waitMs for a dying owner). */
export function acquireDataDirLock(dataDir: string, waitMs = 15_000): DataDirLock {
  const file = path.join(dataDir, 'hibiki.lock');
  const token = randomBytes(16).toString('hex');
  const record: LockRecord = { pid: process.pid, started: processStartTime(process.pid), token };
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify(record), { flag: 'wx' });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            // Remove only our own lock (never one another process took over).
            if (readRecord(file)?.token === token) rmSync(file, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner: LockRecord | null;
    try {
      owner = readRecord(file);
    } catch {
      continue; // removed meanwhile: try again
    }
    if (owner && ownerRunning(owner, token)) {
      if (Date.now() >= deadline) throw new DataDirLockedError(dataDir, owner.pid);
      sleep(100);
      continue;
    }
    // Stale: move it aside atomically, then try again.
    try {
      const aside = `${file}.stale-${process.pid}-${token.slice(0, 6)}`;
      renameSync(file, aside);
      rmSync(aside, { force: true });
    } catch {
      // another process took it over first; the next attempt decides
    }
  }
}
