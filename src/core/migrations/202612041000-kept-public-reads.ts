/**
 * Public reads kept across a restart (core/public-read.ts): a clean shutdown writes the bodies
 * it has in memory here, and the next start serves them again instead of making them anew
 * while its database is still cold. Kept in the database, not beside it, so that a backup, a
 * restore or a copied data folder carries the bodies that match its own data and versions.
 * A row is used only by the same build and configuration (`build`), for the same ETag (which
 * names the municipality, the data versions, the date, the URL and the language).
 */
import type { Sql } from '../db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table kept_public_reads (
  build text not null,
  etag text not null,
  body bytea not null,
  br bytea,
  gzip bytea,
  primary key (build, etag)
);
`);
}
