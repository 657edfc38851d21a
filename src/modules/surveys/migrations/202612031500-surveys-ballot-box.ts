/**
 * A ballot box between the invitation codes and the stored answers.
 *
 * An answer used to mark its code used and insert its response (and add to the tallies) in one
 * transaction, so the hidden system column xmin of the response row, and of every tally row it
 * touched, equalled the xmin of its invitation row: anyone who could read the tables and held
 * one printed code (the letter, and so the resident it was sent to) could find that resident's
 * answers with `select xmin`. The redemption and the answer must still commit together (one
 * answer per code, nothing lost), so the answer now lands here instead, and a later transaction
 * moves answers out in groups (surveys.settle, run by the scheduler, and the close of the
 * survey): the responses it inserts, in random order, and the tallies it adds carry that
 * transaction's xmin, shared by the whole group; the answers' own rows are deleted and
 * vacuumed. Closing a survey also rewrites all its responses in one transaction in random
 * order, so that afterwards every response carries the same xmin.
 *
 * Readers add what waits here to the tallies and the respondent count, so results stay live.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table survey_ballots (
  tenant_id uuid not null,
  survey_id uuid not null,
  channel text not null check (channel in ('web', 'paper', 'import')),
  received_on date not null,
  sex text check (length(sex) between 1 and 40),
  age_group text check (length(age_group) between 1 and 40),
  area text check (length(area) between 1 and 60),
  answers jsonb not null check (jsonb_typeof(answers) = 'object'),
  is_demo boolean not null default false,
  foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade
);
create index survey_ballots_by_day on survey_ballots (tenant_id, survey_id, received_on);
`);
}
