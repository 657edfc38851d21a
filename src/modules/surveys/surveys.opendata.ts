/**
 * Open data of a published survey: its results (CSV, UTF-8 with BOM, and JSON) and the raw
 * anonymous answers, one row per response with no invitation code and no date finer than the
 * fiscal year, streamed page by page so memory stays flat whatever the number of answers.
 * Free-text answers are not published (they may name people); staff exports include them.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Sql } from '../../core/db/database.ts';
import type { OpenDataLicence } from '../../core/public-read.ts';
import * as repo from './surveys.repository.ts';
import type { SurveyResults } from './surveys.service.ts';
import { percent1 } from './surveys.stats.ts';

const BOM = '\uFEFF';

function publishedColumns(questions: readonly repo.Question[], withText: boolean) {
  return questions.filter((q) => withText || q.kind !== 'text');
}

/** The answers as CSV: a header, then one line per response, in pages made by the database. */
export function answersCsv(sql: Sql, tenantId: string, survey: repo.Survey, questions: readonly repo.Question[], withText = false): Readable {
  const cols = publishedColumns(questions, withText);
  // Each line starts with the survey's code and fiscal year, the same on every line.
  const prefix = stringify([[survey.code, survey.fiscalYear, '']]).replace(/\n$/, '');
  async function* lines() {
    yield BOM + stringify([['survey', 'fiscalYear', 'channel', 'sex', 'ageGroup', 'area', ...cols.map((q) => q.code), 'demo']]);
    yield* repo.answerCsvPages(sql, tenantId, survey.id, prefix, cols.map((q) => q.code));
  }
  return Readable.from(lines());
}

/** The answers as a JSON document { license, survey, fiscalYear, demo, items: [...] }, streamed. */
export function answersJson(
  sql: Sql,
  tenantId: string,
  survey: repo.Survey,
  questions: readonly repo.Question[],
  /** The municipality's open-data licence, stated first (as in every open-data JSON file). */
  licence: OpenDataLicence | null = null,
): Readable {
  const cols = publishedColumns(questions, false);
  async function* parts() {
    yield `{${licence ? `"license":${JSON.stringify(licence)},` : ''}"survey":${JSON.stringify(survey.code)},"fiscalYear":${survey.fiscalYear},"demo":${survey.isDemo},"items":[`;
    let first = true;
    for await (const page of repo.responsePages(sql, tenantId, survey.id)) {
      const chunk = page
        .map((r) => JSON.stringify({ channel: r.channel, sex: r.sex, ageGroup: r.ageGroup, area: r.area, answers: Object.fromEntries(cols.map((q) => [q.code, r.answers[q.code] ?? null])) }))
        .join(',');
      yield (first ? '' : ',') + chunk;
      first = false;
    }
    yield ']}';
  }
  return Readable.from(parts());
}

/** The results as CSV: one line per question and choice with counts and shares (percent, unrounded and rounded). */
export function resultsCsv(r: SurveyResults): string {
  const rows: (string | number)[][] = [['survey', 'fiscalYear', 'question', 'choice', 'label', 'positive', 'count', 'respondents', 'share', 'sharePercentRounded', 'low', 'high', 'demo']];
  for (const q of r.questions) {
    for (const c of q.choices) {
      rows.push([r.survey.code, r.survey.fiscalYear, q.code, c.code, c.label, c.positive ? 'true' : 'false', c.count, r.survey.respondents, c.share?.value ?? '', c.share ? percent1(c.share.value) : '', c.share?.low ?? '', c.share?.high ?? '', String(r.survey.isDemo)]);
    }
    if (q.positiveShare) {
      const p = q.positiveShare;
      rows.push([r.survey.code, r.survey.fiscalYear, q.code, 'positive', '肯定的な回答', 'true', '', r.survey.respondents, p.value, percent1(p.value), p.low, p.high, String(r.survey.isDemo)]);
    }
  }
  return BOM + stringify(rows);
}
