/** Group commit (batch.ts): concurrent callers gathered into few statements, each with its own outcome. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batched, batchedPerDatabase } from './batch.ts';
import type { Sql } from './database.ts';

/** A writer that records the groups it was given and answers after a turn of the event loop. */
function recorder(options: { failWhen?: (items: readonly number[]) => boolean; maxItems?: number; maxInFlight?: number } = {}) {
  const groups: number[][] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const write = batched<number, string>({
    async many(items) {
      groups.push([...items]);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (options.failWhen?.(items)) throw new Error('constraint');
      return items.map((i) => `row ${i}`);
    },
    async one(item) {
      groups.push([item]);
      await new Promise((r) => setTimeout(r, 5));
      if (item === 13) throw new Error(`item ${item} refused`);
      return `row ${item}`;
    },
    ...(options.maxItems ? { maxItems: options.maxItems } : {}),
    ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
  });
  return { write, groups, mostInFlight: () => mostInFlight };
}

describe('batched writes', () => {
  it('writes a lone caller at once, alone', async () => {
    const r = recorder();
    assert.equal(await r.write(1), 'row 1');
    assert.deepEqual(r.groups, [[1]]);
  });

  it('gathers callers that arrive while a statement is in flight, each getting its own result', async () => {
    const r = recorder({ maxInFlight: 1 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => r.write(i)));
    assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => `row ${i}`));
    // The first goes alone; the nine that came meanwhile go together.
    assert.deepEqual(r.groups, [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('keeps to the statement size and the number in flight', async () => {
    const r = recorder({ maxItems: 4, maxInFlight: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => r.write(i)));
    assert.ok(r.groups.every((g) => g.length <= 4));
    assert.deepEqual(r.groups.flat().sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
    assert.ok(r.mostInFlight() <= 2);
  });

  it('writes a failed statement again row by row, so only the bad row fails', async () => {
    const r = recorder({ maxInFlight: 1, failWhen: (items) => items.includes(13) });
    const outcomes = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => r.write(i)));
    outcomes.forEach((o, i) => {
      if (i === 13) assert.equal(o.status === 'rejected' && (o.reason as Error).message, 'item 13 refused');
      else assert.deepEqual(o, { status: 'fulfilled', value: `row ${i}` });
    });
    // The gathered group failed and its rows went one by one.
    assert.deepEqual(r.groups.slice(0, 2), [[0], Array.from({ length: 15 }, (_, i) => i + 1)]);
    assert.equal(r.groups.length, 2 + 15);
  });

  it('answers a writer that returns the wrong number of results by writing the rows alone', async () => {
    let calls = 0;
    const write = batched<number, number>({
      many: async (items) => items.slice(1),
      one: async (item) => (calls++, item * 2),
      maxInFlight: 1,
    });
    const results = await Promise.all([1, 2, 3].map((i) => write(i)));
    assert.deepEqual(results, [2, 4, 6]);
    assert.equal(calls, 3);
  });

  it('keeps one writer per database, shared by its callers, and writes alone inside a transaction', async () => {
    const made: string[] = [];
    const groups: string[][] = [];
    const writerOf = batchedPerDatabase<string, string>((db) => {
      made.push((db as unknown as { name: string }).name);
      return {
        async many(items) {
          groups.push([...items]);
          await new Promise((r) => setTimeout(r, 5));
          return items.map((i) => i.toUpperCase());
        },
        async one(item) {
          groups.push([item]);
          await new Promise((r) => setTimeout(r, 5));
          return item.toUpperCase();
        },
        maxInFlight: 1,
      };
    });
    const a = { name: 'a', inTransaction: false } as unknown as Sql;
    const b = { name: 'b', inTransaction: false } as unknown as Sql;
    const results = await Promise.all(['x', 'y', 'z'].map((i) => writerOf(a)(i)).concat([writerOf(b)('w')]));
    assert.deepEqual(results, ['X', 'Y', 'Z', 'W']);
    assert.deepEqual(made, ['a', 'b']);
    // a's three callers gathered behind the first; b's went alone on its own writer.
    assert.deepEqual(groups, [['x'], ['w'], ['y', 'z']]);
    // Inside a transaction: each item by the transaction's own statement, none kept or gathered.
    const tx = { name: 'tx', inTransaction: true } as unknown as Sql;
    groups.length = 0;
    assert.deepEqual(await Promise.all(['p', 'q'].map((i) => writerOf(tx)(i))), ['P', 'Q']);
    assert.deepEqual(groups, [['p'], ['q']]);
    assert.deepEqual(made, ['a', 'b', 'tx', 'tx']);
  });
});
