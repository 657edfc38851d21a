/**
 * A survey firm's delivery of the paper answers: a CSV (UTF-8, with or without BOM, or
 * Shift_JIS as Excel saves it), one row per returned questionnaire with its invitation code,
 * a column per question (by its code) and optional attribute columns. Checked whole: a dry
 * run lists every bad row; an import stores every row or, while any problem remains, none.
 */
import { parse } from 'csv-parse/sync';
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { todayJst } from '../../core/dates.ts';
import { AppError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import * as repo from './surveys.repository.ts';
import { LIMITS } from './surveys.schema.ts';
import { checkAnswers, hashCode, stateMsg } from './surveys.service.ts';

export interface ImportProblem {
  line: number;
  column: string | null;
  message: string;
}

export interface ImportReport {
  rows: number;
  imported: number;
  problems: ImportProblem[];
}

const CODE_COLUMNS = new Set(['invitation', 'code', '回答用コード', '招待コード', 'コード', 'id']);
const ATTRIBUTE_COLUMNS: Record<string, 'sex' | 'ageGroup' | 'area'> = {
  sex: 'sex',
  性別: 'sex',
  agegroup: 'ageGroup',
  age: 'ageGroup',
  年齢: 'ageGroup',
  年代: 'ageGroup',
  area: 'area',
  地区: 'area',
  地域: 'area',
};

/** The file's text: UTF-8 when it decodes as such, otherwise Shift_JIS. */
export function decodeCsv(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('shift_jis').decode(bytes);
  }
}

/** Splits a multiple-choice cell: "1;3", "1 3", "1、3". */
const splitChoices = (cell: string) => cell.split(/[;；、,，\s]+/).filter(Boolean);

export async function importAnswers(deps: AppDeps, tenant: Tenant, user: AuthUser, code: string, bytes: Buffer, dryRun: boolean, lang: Lang): Promise<ImportReport> {
  const t = (key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const survey = await repo.findSurvey(deps.db, tenant.id, code);
  const notFound = () => new AppError('not_found', { ja: translate('ja', 'surveys.error.notFound', { code }), en: translate('en', 'surveys.error.notFound', { code }) });
  if (!survey) throw notFound();
  if (survey.state !== 'open' && survey.state !== 'closed') {
    throw new AppError('conflict', stateMsg('surveys.error.notOpen', survey.state));
  }
  let records: string[][];
  try {
    records = parse(decodeCsv(bytes), { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (err) {
    return { rows: 0, imported: 0, problems: [{ line: 1, column: null, message: t('surveys.error.csvParse', { reason: String((err as Error).message).slice(0, 120) }) }] };
  }
  const problems: ImportProblem[] = [];
  const [header = [], ...data] = records;
  if (data.length === 0) problems.push({ line: 1, column: null, message: t('surveys.error.csvEmpty') });
  const questions = await repo.loadQuestions(deps.db, tenant.id, survey.id);
  const byCode = new Map(questions.map((q) => [q.code, q]));
  const codeIndex = header.findIndex((h) => CODE_COLUMNS.has(h.normalize('NFKC').trim().toLowerCase()) || CODE_COLUMNS.has(h.trim()));
  if (codeIndex < 0) problems.push({ line: 1, column: null, message: t('surveys.error.csvCodeColumn') });
  const columns = header.map((h, i) => {
    const name = h.normalize('NFKC').trim();
    if (i === codeIndex) return { kind: 'code' as const, name };
    if (byCode.has(name)) return { kind: 'question' as const, name };
    const attr = ATTRIBUTE_COLUMNS[name.toLowerCase()] ?? ATTRIBUTE_COLUMNS[name];
    if (attr) return { kind: 'attribute' as const, name, attr };
    problems.push({ line: 1, column: h, message: t('surveys.error.csvColumn', { name: name.slice(0, 40) }) });
    return { kind: 'unknown' as const, name };
  });
  const rows: repo.ResponseRow[] = [];
  const hashes: string[] = [];
  const firstLine = new Map<string, number>();
  const receivedOn = todayJst(deps.clock.now());
  data.forEach((cells, i) => {
    const line = i + 2;
    const answers: Record<string, unknown> = {};
    const attrs: Partial<Record<'sex' | 'ageGroup' | 'area', string>> = {};
    let invitation = '';
    columns.forEach((c, j) => {
      const cell = (cells[j] ?? '').trim();
      if (c.kind === 'code') invitation = cell;
      else if (c.kind === 'question') {
        const q = byCode.get(c.name)!;
        answers[c.name] = q.kind === 'multiple' ? splitChoices(cell) : cell;
      } else if (c.kind === 'attribute' && cell) attrs[c.attr] = cell.slice(0, c.attr === 'area' ? LIMITS.area : LIMITS.attribute);
    });
    if (codeIndex >= 0 && !invitation) problems.push({ line, column: header[codeIndex] ?? null, message: t('surveys.error.unknownInvitation') });
    const hash = hashCode(invitation);
    const seen = firstLine.get(hash);
    if (invitation && seen !== undefined) problems.push({ line, column: header[codeIndex] ?? null, message: t('surveys.error.csvDuplicate', { line: seen }) });
    else if (invitation) firstLine.set(hash, line);
    const check = checkAnswers(questions, answers, lang, '');
    for (const e of check.errors) problems.push({ line, column: e.path, message: e.message });
    hashes.push(hash);
    rows.push({ channel: 'import', receivedOn, sex: attrs.sex ?? null, ageGroup: attrs.ageGroup ?? null, area: attrs.area ?? null, answers: check.stored, isDemo: survey.isDemo });
  });
  if (codeIndex >= 0) {
    const states = await repo.invitationStates(deps.db, tenant.id, survey.id, hashes);
    hashes.forEach((h, i) => {
      if (!data[i]![codeIndex]?.trim()) return;
      const used = states.get(h);
      if (used === undefined) problems.push({ line: i + 2, column: header[codeIndex]!, message: t('surveys.error.unknownInvitation') });
      else if (used) problems.push({ line: i + 2, column: header[codeIndex]!, message: t('surveys.error.usedInvitation') });
    });
  }
  problems.sort((a, b) => a.line - b.line);
  if (dryRun || problems.length) return { rows: data.length, imported: 0, problems };
  const settled = await deps.db.transaction(async (tx) => {
    // The state again, share-locked: a change of state since the check above waits for the import.
    const state = await repo.lockSurvey(tx, tenant.id, survey.id);
    if (!state) throw notFound();
    if (state !== 'open' && state !== 'closed') throw new AppError('conflict', stateMsg('surveys.error.notOpen', state));
    for (const h of hashes) {
      if ((await repo.redeemInvitation(tx, tenant.id, survey.id, h)) !== 'ok') {
        throw new AppError('conflict', { ja: translate('ja', 'surveys.error.usedInvitation'), en: translate('en', 'surveys.error.usedInvitation') });
      }
    }
    await repo.insertResponses(tx, tenant.id, survey.id, rows, 'survey_ballots');
    // A closed survey settles its answers at once, all of its responses rewritten with them.
    if (state === 'closed') await repo.settleAll(tx, tenant.id, survey.id);
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: 'survey.import', entityType: 'survey', entityId: survey.code, details: { rows: rows.length } });
    return state === 'closed';
  });
  await repo.vacuumBallots(deps.db, settled);
  return { rows: data.length, imported: rows.length, problems: [] };
}
