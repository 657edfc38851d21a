/**
 * PGlite does not lock its data folder, and two processes writing one folder corrupt it.
 * The lock is a file created exclusively, holding the owner's pid; a lock whose process is
 * gone is taken over.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock or throws DataDirLockedError. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = path.join(dataDir, 'hibiki.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: number;
      try {
        owner = Number(readFileSync(file, 'utf8').trim());
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
      // Stale lock of a process that died: move it aside atomically, then try again.
      try {
        renameSync(file, `${file}.stale-${process.pid}`);
        rmSync(`${file}.stale-${process.pid}`, { force: true });
      } catch {
        // another process took it over first; the next attempt decides
      }
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}
