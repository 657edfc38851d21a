/**
 * Plan content in English (issue 14): an optional English text beside each Japanese text of
 * the plan. Null (or a null list entry) means not translated: English pages then show the
 * Japanese text, marked lang="ja". A list translation (visions_en …) is paired with its
 * Japanese list by position.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table plans add column title_en text check (length(title_en) between 1 and 200);
alter table plan_chapters add column title_en text check (length(title_en) between 1 and 200);
alter table plan_sections
  add column title_en text check (length(title_en) between 1 and 200),
  add column visions_en text[],
  add column issues_en text[],
  add column directions_en text[],
  add column perception_text_en text check (length(perception_text_en) between 1 and 4000),
  add check (perception_text_en is null or perception_text is not null);
alter table plan_glossary_terms
  add column term_en text check (length(term_en) between 1 and 200),
  add column definition_en text check (length(definition_en) between 1 and 4000);
alter table plan_measures add column title_en text check (length(title_en) between 1 and 200);
alter table indicators
  add column name_en text check (length(name_en) between 1 and 200),
  add column name_note_en text check (length(name_note_en) between 1 and 200),
  add column description_en text check (length(description_en) between 1 and 4000),
  add column unit_en text check (length(unit_en) between 1 and 20),
  add column baseline_label_en text check (length(baseline_label_en) between 1 and 60),
  add column target_label_en text check (length(target_label_en) between 1 and 60);
`);
}
