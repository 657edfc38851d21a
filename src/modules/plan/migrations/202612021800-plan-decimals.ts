/**
 * The written precision of an indicator's values: `decimals` is how many decimal places the
 * plan writes them with (38.0 % → 1, 99.98 % → 2), so that 38.0 % is shown as 38.0 % although
 * the number 38.0 is the number 38. Null: as many as the baseline and target are written with.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`alter table indicators add column decimals smallint check (decimals between 0 and 6);`);
}
