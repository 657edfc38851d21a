/**
 * Group commit for a hot write: callers that arrive while earlier ones are still being written
 * are gathered and written together by one statement, which commits them all at once. Each
 * caller still waits for its own row's commit, so nothing is acknowledged before it is durable;
 * a caller that finds nothing in flight is written at once, so a lone request waits no longer
 * than before. Under load, one statement of N rows costs the database far less than N
 * statements (one parse, plan, executor start and commit record for all of them).
 *
 * When a gathered statement fails (a row breaks a constraint, say), the rows are written again
 * one by one, so each caller gets its own outcome and one bad row never fails its neighbours.
 * Only for statements that are atomic by themselves: never for work inside a transaction.
 */
import type { Sql } from './database.ts';

export interface BatchWriter<I, O> {
  /** Writes the items as one statement; answers one result per item, in the items' order. */
  many(items: readonly I[]): Promise<O[]>;
  /** Writes one item alone (a lone caller, and each item of a gathered statement that failed). */
  one(item: I): Promise<O>;
  /** The most items one statement takes (default 64). */
  maxItems?: number;
  /** How many statements may be in flight at once (default 2: one is written while the next gathers). */
  maxInFlight?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(reason: unknown): void;
}

/** A function that writes its item through the writer, gathered with concurrent callers. */
export function batched<I, O>(writer: BatchWriter<I, O>): (item: I) => Promise<O> {
  const maxItems = writer.maxItems ?? 64;
  const maxInFlight = writer.maxInFlight ?? 2;
  const queue: Waiting<I, O>[] = [];
  let inFlight = 0;

  const flush = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const group = queue.splice(0, maxItems);
      inFlight++;
      void write(group).finally(() => {
        inFlight--;
        flush();
      });
    }
  };

  const alone = async (w: Waiting<I, O>): Promise<void> => {
    try {
      w.resolve(await writer.one(w.item));
    } catch (err) {
      w.reject(err);
    }
  };

  const write = async (group: Waiting<I, O>[]): Promise<void> => {
    if (group.length === 1) return alone(group[0]!);
    let results: O[];
    try {
      results = await writer.many(group.map((w) => w.item));
      if (results.length !== group.length) throw new Error(`a batch of ${group.length} answered ${results.length} results`);
    } catch {
      // Each caller gets its own outcome: the rows again, one statement each.
      for (const w of group) await alone(w);
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]!));
  };

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      flush();
    });
}

/**
 * One gathered writer per database: `make(db)` describes it on the first write to that
 * database, and later writes to the same database share it. Inside a transaction an item is
 * written alone by the transaction's own statement (it commits with the transaction, so there
 * is nothing to gather).
 */
export function batchedPerDatabase<I, O>(make: (db: Sql) => BatchWriter<I, O>): (db: Sql) => (item: I) => Promise<O> {
  const writers = new WeakMap<Sql, (item: I) => Promise<O>>();
  return (db) => {
    if (db.inTransaction) return (item) => make(db).one(item);
    let write = writers.get(db);
    if (!write) writers.set(db, (write = batched(make(db))));
    return write;
  };
}
