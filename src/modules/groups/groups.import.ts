/**
 * 既存の団体登録簿の取込 — a city's existing registry (the spreadsheet it keeps, saved as CSV in
 * UTF-8 or Shift_JIS) of groups already registered, with their numbers, dates and fields. The
 * header names are mapped to the registry's fields by the names cities use; every bad row is
 * reported with its line and column, and nothing is imported while any error remains (the
 * whole file in one transaction).
 */
import { parse } from 'csv-parse/sync';
import type { AuthUser } from '../../core/auth.ts';
import { appendAudit } from '../../core/audit.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { compareIsoDate, isIsoDate, parsePlanDate, todayJst } from '../../core/dates.ts';
import { AppError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { parseWith, pickLanguage } from '../../core/validation.ts';
import type { AppDeps } from '../module.ts';
import * as repo from './groups.repository.ts';
import { ACTIVITY_FIELDS, LEGAL_FORMS, comparable } from './groups.rules.ts';
import { ProfileSchema } from './groups.schema.ts';
import { GROUPS_SCOPE, profileValues } from './groups.service.ts';

/** The registry's fields and the header names cities give them (compared NFKC, without spaces). */
export const HEADER_NAMES: Record<string, readonly string[]> = {
  number: ['登録番号', '団体番号', '番号', 'No', 'number'],
  name: ['団体名', '団体名称', '名称', 'name'],
  nameKana: ['フリガナ', 'ふりがな', '団体名フリガナ', '団体名(フリガナ)', '団体名カナ', 'カナ', '名称カナ', '名称_カナ', 'nameKana'],
  legalForm: ['団体の形態', '団体形態', '形態', '法人格', '法人格等', 'legalForm'],
  representative: ['代表者', '代表者名', '代表者氏名', 'representative'],
  fields: ['活動分野', '分野', '活動分野番号', 'fields'],
  area: ['主な活動地域', '活動地域', '地域', '地区', 'area'],
  purpose: ['活動目的', '目的', '設立目的', 'purpose'],
  activities: ['活動内容', '主な活動内容', '事業内容', 'activities'],
  foundedOn: ['設立年月日', '設立日', '設立', '設立年月', 'foundedOn'],
  members: ['会員数', '構成員数', '人数', 'members'],
  publicContact: ['連絡先', '公開連絡先', '問い合わせ先', '問合せ先', 'publicContact'],
  privateContact: ['代表者連絡先', '非公開連絡先', '代表者の連絡先', 'privateContact'],
  website: ['ホームページ', 'ウェブサイト', 'URL', 'website'],
  fee: ['会費', '年会費', 'fee'],
  registeredOn: ['登録日', '登録年月日', '登録開始日', 'registeredOn'],
  validUntil: ['有効期限', '登録期限', '登録期間満了日', '登録期間', '有効期間', 'validUntil'],
};

const REQUIRED = ['number', 'name', 'nameKana', 'legalForm', 'fields', 'area', 'purpose', 'activities', 'members', 'publicContact', 'registeredOn', 'validUntil'];

export interface ImportProblem {
  line: number;
  column: string | null;
  severity: 'error' | 'warning';
  message: string;
}

export interface ImportResult {
  rows: number;
  imported: number;
  dryRun: boolean;
  columns: { header: string; field: string | null }[];
  problems: ImportProblem[];
}

/** The text of the file: UTF-8 (with or without BOM) unless it is not valid UTF-8, then Shift_JIS. */
export function decodeCsv(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('shift_jis').decode(bytes);
  }
}

const headerKey = (h: string) => comparable(h).replace(/[()（）_＿]/g, '');

/** The field each header stands for (null for a column the registry does not keep). */
export function mapHeaders(headers: readonly string[]): (string | null)[] {
  const lookup = new Map<string, string>();
  for (const [field, names] of Object.entries(HEADER_NAMES)) for (const n of names) lookup.set(headerKey(n), field);
  const seen = new Set<string>();
  return headers.map((h) => {
    const field = lookup.get(headerKey(h)) ?? null;
    if (!field || seen.has(field)) return null;
    seen.add(field);
    return field;
  });
}

/** A date as cities write it: 2020-04-01, 2020/4/1, 2020年4月1日, H25.4.1, R2.4.1, 令和2年4月1日. */
export function readDate(text: string): string | null {
  const t = text.normalize('NFKC').trim();
  const western = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(t);
  if (western) {
    const iso = `${western[1]}-${western[2]!.padStart(2, '0')}-${western[3]!.padStart(2, '0')}`;
    return isIsoDate(iso) ? iso : null;
  }
  const era = /^(令和|平成|昭和)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日$/.exec(t);
  const letters = { 令和: 'R', 平成: 'H', 昭和: 'S' } as const;
  const text2 = era ? `${letters[era[1] as keyof typeof letters]}${era[2] === '元' ? '1' : era[2]}.${era[3]}.${era[4]}` : t;
  try {
    const d = parsePlanDate(text2);
    return d.kind === 'date' ? d.date : null;
  } catch {
    return null;
  }
}

/** Activity fields written as numbers (2,3 / 2・3) or as the 別表's names. */
export function readFields(text: string): number[] | null {
  const parts = text
    .normalize('NFKC')
    .split(/[,、・;；/\s]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return null;
  const out: number[] = [];
  for (const p of parts) {
    const n = /^(\d{1,2})(号)?$/.exec(p);
    if (n) out.push(Number(n[1]));
    else {
      const i = ACTIVITY_FIELDS.findIndex((f) => f.ja === p || f.ja.startsWith(p) || f.ja.replace(/を図る活動|の活動|活動$/, '') === p);
      if (i < 0) return null;
      out.push(i + 1);
    }
  }
  return out;
}

function legalFormOf(text: string): string {
  const t = text.normalize('NFKC').trim();
  if (/^(特定非営利活動法人|NPO法人|NPO)$/i.test(t)) return 'NPO法人';
  if (/^(自治会|町内会|自治会・町内会)$/.test(t)) return '自治会・町内会';
  return t;
}

const message = (ja: string, en: string, lang: Lang) => (lang === 'ja' ? ja : en);

/** Reads, checks and (unless dryRun, and only when no error remains) imports the registry. */
export async function importRegistry(
  deps: AppDeps,
  tenant: Tenant,
  user: AuthUser | null,
  bytes: Buffer,
  options: { dryRun: boolean; lang: Lang; actorLabel?: string },
): Promise<ImportResult> {
  const { lang } = options;
  if (user && !(user.role === 'admin' || user.role === 'plan_manager' || user.role === 'staff')) throw new AppError('not_found');
  if (bytes.length === 0) throw new AppError('validation', undefined, [{ path: 'file', message: message('CSVファイルが空です', 'The CSV file is empty', lang) }]);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(decodeCsv(bytes), { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    throw new AppError('validation', undefined, [{ path: 'file', message: message(`CSVとして読めません: ${(err as Error).message}`, `Not readable as CSV: ${(err as Error).message}`, lang) }]);
  }
  const [header, ...rows] = records;
  if (!header) throw new AppError('validation', undefined, [{ path: 'file', message: message('見出し行がありません', 'No header row', lang) }]);
  const fields = mapHeaders(header.record);
  const columns = header.record.map((h, i) => ({ header: h, field: fields[i] ?? null }));
  const problems: ImportProblem[] = [];
  for (const c of columns) {
    if (!c.field) problems.push({ line: header.info.lines, column: c.header, severity: 'warning', message: message('この列は取り込みません', 'This column is not imported', lang) });
  }
  const missing = REQUIRED.filter((f) => !fields.includes(f));
  for (const f of missing) {
    problems.push({
      line: header.info.lines,
      column: HEADER_NAMES[f]![0]!,
      severity: 'error',
      message: message(`必須の列「${HEADER_NAMES[f]![0]}」がありません`, `The required column "${HEADER_NAMES[f]![0]}" is missing`, lang),
    });
  }
  const today = todayJst(deps.clock.now());
  const headerOf = (field: string) => columns.find((c) => c.field === field)?.header ?? field;
  const accepted: { line: number; values: repo.ProfileValues; number: string; registeredOn: string; validUntil: string }[] = [];
  const numbers = new Map<string, number>();
  const keys = new Map<string, number>();
  if (missing.length === 0) {
    for (const { record, info } of rows) {
      const line = info.lines;
      const cell = (field: string) => {
        const i = fields.indexOf(field);
        return i >= 0 ? (record[i] ?? '').trim() : '';
      };
      const rowErrors: ImportProblem[] = [];
      const err = (field: string, ja: string, en: string) => rowErrors.push({ line, column: headerOf(field), severity: 'error', message: message(ja, en, lang) });
      const fieldNumbers = cell('fields') ? readFields(cell('fields')) : null;
      if (cell('fields') && !fieldNumbers) err('fields', '活動分野は1〜20の番号か別表の分野名で書きます', 'Activity fields are numbers 1–20 or the names of the 別表');
      const foundedText = cell('foundedOn');
      const foundedOn = foundedText ? readDate(foundedText) : null;
      if (foundedText && !foundedOn) err('foundedOn', `設立年月日「${foundedText}」を日付として読めません`, `The founding date "${foundedText}" is not a date`);
      const membersText = cell('members').normalize('NFKC').replace(/[,人名]/g, '');
      const candidate = {
        name: cell('name'),
        nameKana: cell('nameKana'),
        legalForm: legalFormOf(cell('legalForm')),
        representative: cell('representative') || undefined,
        fields: fieldNumbers ?? (cell('fields') ? [1] : []),
        area: cell('area'),
        purpose: cell('purpose'),
        activities: cell('activities'),
        foundedOn: foundedOn ?? '2000-01-01',
        members: /^\d+$/.test(membersText) ? Number(membersText) : membersText === '' ? undefined : NaN,
        publicContact: cell('publicContact'),
        privateContact: cell('privateContact') || '（取込時に未記載）',
        website: cell('website') || undefined,
        fee: cell('fee') || undefined,
      };
      const parsed = parseWith(ProfileSchema, candidate, lang);
      if (!parsed.ok) {
        for (const e of parsed.errors) {
          if (e.path === 'fields' && cell('fields') && !fieldNumbers) continue;
          if (e.path === 'foundedOn') continue;
          rowErrors.push({ line, column: headerOf(e.path.split('.')[0]!), severity: 'error', message: pickLanguage(e.message, lang) });
        }
      }
      const number = cell('number');
      if (!number) err('number', '登録番号がありません', 'The registration number is missing');
      else if (number.length > 40) err('number', '登録番号が長すぎます', 'The registration number is too long');
      else if (numbers.has(number)) err('number', `登録番号 ${number} は ${numbers.get(number)} 行目と重複しています`, `Number ${number} repeats line ${numbers.get(number)}`);
      else if (await repo.numberTaken(deps.db, tenant.id, number)) err('number', `登録番号 ${number} はすでに登録されています`, `Number ${number} is already registered`);
      const registeredOn = readDate(cell('registeredOn'));
      const validUntil = readDate(cell('validUntil'));
      if (!registeredOn) err('registeredOn', `登録日「${cell('registeredOn')}」を日付として読めません`, `The registration date "${cell('registeredOn')}" is not a date`);
      if (!validUntil) err('validUntil', `有効期限「${cell('validUntil')}」を日付として読めません`, `The expiry date "${cell('validUntil')}" is not a date`);
      if (registeredOn && validUntil && compareIsoDate(validUntil, registeredOn) < 0) err('validUntil', '有効期限が登録日より前です', 'The expiry date is before the registration date');
      if (registeredOn && compareIsoDate(registeredOn, today) > 0) err('registeredOn', '登録日が今日より後です', 'The registration date is in the future');
      if (parsed.ok && rowErrors.length === 0) {
        const representative = parsed.value.representative ?? '（代表者未記載）';
        const values = profileValues(deps.config, { ...parsed.value, foundedOn: foundedOn ?? parsed.value.foundedOn }, representative, null);
        if (!foundedOn) values.foundedOn = null;
        const key = values.duplicateKey;
        if (keys.has(key)) err('name', `${keys.get(key)} 行目と同じ団体（名称と代表者）です`, `The same group (name and representative) as line ${keys.get(key)}`);
        else if (await repo.findLiveDuplicate(deps.db, tenant.id, key)) err('name', '同じ名称・代表者の団体がすでに登録簿にあります', 'A group with the same name and representative is already in the registry');
        keys.set(key, line);
        if (rowErrors.length === 0) accepted.push({ line, values, number, registeredOn: registeredOn!, validUntil: validUntil! });
      }
      if (number) numbers.set(number, line);
      problems.push(...rowErrors);
    }
  }
  const hasErrors = problems.some((p) => p.severity === 'error');
  if (hasErrors || options.dryRun) return { rows: rows.length, imported: 0, dryRun: options.dryRun, columns, problems };
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    for (const a of accepted) {
      const lapsed = compareIsoDate(a.validUntil, today) < 0;
      const r = await repo.insertRegistration(tx, tenant.id, {
        ...a.values,
        status: lapsed ? 'lapsed' : 'registered',
        number: a.number,
        applicantId: null,
        appliedOn: a.registeredOn,
        registeredOn: a.registeredOn,
        validUntil: a.validUntil,
        isDemo: false,
        now,
      });
      if (lapsed) await repo.patchState(tx, tenant.id, r.id, { lapsedOn: today }, now);
      await repo.insertTerm(tx, tenant.id, r.id, a.registeredOn, a.validUntil);
      await repo.insertEvent(tx, tenant.id, r.id, { kind: 'imported', at: now, onDate: today, actorId: user?.id ?? null, details: { line: a.line, registeredOn: a.registeredOn, validUntil: a.validUntil } });
    }
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user?.id ?? null,
      actorLabel: user?.email ?? options.actorLabel ?? 'cli',
      action: 'groups.import',
      entityType: 'group_registration',
      details: { rows: rows.length, imported: accepted.length },
    });
    await bumpDataVersion(tx, tenant.id, GROUPS_SCOPE);
  });
  return { rows: rows.length, imported: accepted.length, dryRun: false, columns, problems };
}

/** The legal forms an import accepts (for the page's help text). */
export const IMPORT_LEGAL_FORMS = LEGAL_FORMS;
