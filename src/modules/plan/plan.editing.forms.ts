/**
 * The plan editing forms: form text to the exchange document's shapes, and the import
 * schema's error paths back to the form's fields. Figures and dates are read as staff type
 * them (parseFigureText, parseAsOfText); every other rule is the import's own.
 */
import type { FieldError } from '../../core/errors.ts';
import { formValues } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { fieldErrorsOf } from '../../core/validation.ts';
import type { IndicatorDoc, IndicatorInput, SectionDoc, SectionInput } from './plan.editing.ts';
import { parseAsOfText, parseFigureText } from './plan.forms.ts';
import { IndicatorSchema } from './plan.schema.ts';
import './plan.messages.ts';
import './plan.english.messages.ts';

export const HEADER_FIELDS = ['title', 'titleEn', 'startFiscalYear', 'endFiscalYear'] as const;
export const NEW_PLAN_FIELDS = ['code', 'title', 'startFiscalYear', 'endFiscalYear', 'chapterCode', 'chapterTitle', 'sectionCode', 'sectionTitle'] as const;
export const INDICATOR_FIELDS = [
  'code', 'section', 'name', 'nameEn', 'nameNote', 'nameNoteEn', 'description', 'descriptionEn', 'unit', 'unitEn', 'decimals', 'direction',
  'department', 'baselineValue', 'baselineAsOf', 'baselineLabel', 'baselineLabelEn', 'targetValue', 'targetFiscalYear', 'targetDate',
  'targetLabel', 'targetLabelEn', 'source',
] as const;
/** Blank rows offered under a section's glossary and measures for adding new ones. */
export const EXTRA_ROWS = 2;

type Values<K extends string> = Record<K, string>;
const needs = (lang: Lang, path: string, key: string): FieldError => ({ path, message: translate(lang, key) });

function integerOf(text: string): number | null {
  const t = text.normalize('NFKC').trim();
  return /^-?\d{1,6}$/.test(t) ? Number(t) : null;
}

/** A number field: undefined when blank, an error when not a number. */
function figure(values: Record<string, string>, name: string, errors: FieldError[], lang: Lang): number | undefined {
  const raw = values[name]!.trim();
  if (!raw) return undefined;
  const n = parseFigureText(raw);
  if (n === null) errors.push(needs(lang, name, 'plan.error.valueNumber'));
  return n ?? undefined;
}

function year(values: Record<string, string>, name: string, errors: FieldError[], lang: Lang, required: boolean): number | undefined {
  const raw = values[name]!.trim();
  if (!raw) {
    if (required) errors.push(needs(lang, name, 'plan.edit.yearRequired'));
    return undefined;
  }
  const n = integerOf(raw);
  if (n === null) errors.push(needs(lang, name, 'plan.edit.yearInvalid'));
  return n ?? undefined;
}

const optional = (s: string) => (s.trim() ? s.trim() : undefined);

/** An optional text as a document field: `{ [key]: text }` when given, nothing when blank. */
const optionalField = <K extends string>(key: K, s: string): { [P in K]?: string } =>
  (optional(s) === undefined ? {} : { [key]: optional(s) }) as { [P in K]?: string };

/** English lines paired with the Japanese items by position: a blank line is an untranslated item. */
function englishLines(s: string): (string | null)[] | undefined {
  const list = s.split(/\r?\n/).map((l) => l.trim() || null);
  while (list.length && list[list.length - 1] === null) list.pop();
  return list.length ? list : undefined;
}

const englishText = (list: readonly (string | null)[] | undefined) => (list ?? []).map((x) => x ?? '').join('\n');

// ------------------------------------------------------------------ plan header

export function headerFromForm(body: unknown, lang: Lang) {
  const values = formValues(body, HEADER_FIELDS);
  const errors: FieldError[] = [];
  const start = year(values, 'startFiscalYear', errors, lang, true);
  const end = year(values, 'endFiscalYear', errors, lang, true);
  return {
    values,
    errors,
    input: { title: values.title.trim(), titleEn: optional(values.titleEn), startFiscalYear: start ?? 0, endFiscalYear: end ?? 0 },
  };
}

export function headerField(path: string): string {
  if (path.startsWith('period.startFiscalYear')) return 'startFiscalYear';
  if (path.startsWith('period')) return 'endFiscalYear';
  if (path.startsWith('titleEn')) return 'titleEn';
  return 'title';
}

export function newPlanFromForm(body: unknown, lang: Lang) {
  const values = formValues(body, NEW_PLAN_FIELDS);
  const errors: FieldError[] = [];
  const start = year(values, 'startFiscalYear', errors, lang, true);
  const end = year(values, 'endFiscalYear', errors, lang, true);
  return {
    values,
    errors,
    input: {
      code: values.code.trim(),
      title: values.title.trim(),
      startFiscalYear: start ?? 0,
      endFiscalYear: end ?? 0,
      chapter: { code: values.chapterCode.trim(), title: values.chapterTitle.trim() },
      section: { code: values.sectionCode.trim(), title: values.sectionTitle.trim() },
    },
  };
}

export function newPlanField(path: string): string {
  const map: [string, string][] = [
    ['chapters.0.sections.0.code', 'sectionCode'], ['chapters.0.sections', 'sectionTitle'], ['chapters.0.code', 'chapterCode'],
    ['chapters', 'chapterTitle'], ['period.startFiscalYear', 'startFiscalYear'], ['period', 'endFiscalYear'], ['code', 'code'], ['title', 'title'],
  ];
  return map.find(([p]) => path === p || path.startsWith(`${p}.`))?.[1] ?? 'code';
}

// ------------------------------------------------------------------ indicators

export function indicatorToForm(i: IndicatorDoc | IndicatorInput, section: string): Values<(typeof INDICATOR_FIELDS)[number]> {
  return {
    code: i.code,
    section,
    name: i.name,
    nameEn: i.nameEn ?? '',
    nameNote: i.nameNote ?? '',
    nameNoteEn: i.nameNoteEn ?? '',
    description: i.description ?? '',
    descriptionEn: i.descriptionEn ?? '',
    unit: i.unit,
    unitEn: i.unitEn ?? '',
    decimals: i.decimals === undefined ? '' : String(i.decimals),
    direction: i.direction,
    department: i.department ?? '',
    baselineValue: i.baseline ? String(i.baseline.value) : '',
    baselineAsOf: i.baseline?.asOf ?? '',
    baselineLabel: i.baseline?.label ?? '',
    baselineLabelEn: i.baseline?.labelEn ?? '',
    targetValue: String(i.target.value),
    targetFiscalYear: i.target.fiscalYear === undefined ? '' : String(i.target.fiscalYear),
    targetDate: i.target.date ?? '',
    targetLabel: i.target.label ?? '',
    targetLabelEn: i.target.labelEn ?? '',
    source: i.source?.kind === 'metric' ? i.source.metric : 'manual',
  };
}

export function indicatorFromForm(body: unknown, lang: Lang) {
  const values = formValues(body, INDICATOR_FIELDS);
  const errors: FieldError[] = [];
  const baselineValue = figure(values, 'baselineValue', errors, lang);
  const baselineAsOfText = values.baselineAsOf.trim();
  const baselineAsOf = baselineAsOfText ? parseAsOfText(baselineAsOfText) : null;
  if (baselineAsOfText && !baselineAsOf) errors.push(needs(lang, 'baselineAsOf', 'plan.error.asOfInvalid'));
  if ((baselineValue === undefined) !== !baselineAsOfText && !errors.some((e) => e.path.startsWith('baseline'))) {
    errors.push(needs(lang, baselineValue === undefined ? 'baselineValue' : 'baselineAsOf', 'plan.edit.baselinePair'));
  }
  const targetValue = figure(values, 'targetValue', errors, lang);
  if (!values.targetValue.trim()) errors.push(needs(lang, 'targetValue', 'plan.error.valueRequired'));
  const targetFiscalYear = year(values, 'targetFiscalYear', errors, lang, false);
  const targetDateText = values.targetDate.trim();
  const targetDate = targetDateText ? parseAsOfText(targetDateText) : null;
  if (targetDateText && !targetDate) errors.push(needs(lang, 'targetDate', 'plan.error.asOfInvalid'));
  const decimalsText = values.decimals.trim();
  const decimals = decimalsText ? integerOf(decimalsText) : undefined;
  if (decimals === null) errors.push(needs(lang, 'decimals', 'plan.edit.yearInvalid'));
  const source = values.source.trim();
  const input: IndicatorInput & { section: string } = {
    section: values.section.trim(),
    code: values.code.trim(),
    name: values.name.trim(),
    ...optionalField('nameEn', values.nameEn),
    ...(optional(values.nameNote) ? { nameNote: optional(values.nameNote)! } : {}),
    ...optionalField('nameNoteEn', values.nameNoteEn),
    unit: values.unit.trim(),
    ...optionalField('unitEn', values.unitEn),
    ...(decimals !== undefined && decimals !== null ? { decimals } : {}),
    direction: values.direction as IndicatorDoc['direction'],
    ...(optional(values.description) ? { description: optional(values.description)! } : {}),
    ...optionalField('descriptionEn', values.descriptionEn),
    ...(optional(values.department) ? { department: optional(values.department)! } : {}),
    baseline:
      baselineValue !== undefined && baselineAsOf
        ? {
            value: baselineValue,
            asOf: baselineAsOf,
            ...(optional(values.baselineLabel) ? { label: optional(values.baselineLabel)! } : {}),
            ...optionalField('labelEn', values.baselineLabelEn),
          }
        : null,
    target: {
      value: targetValue ?? 0,
      ...(targetFiscalYear !== undefined ? { fiscalYear: targetFiscalYear } : {}),
      ...(targetDate ? { date: targetDate } : {}),
      ...(optional(values.targetLabel) ? { label: optional(values.targetLabel)! } : {}),
      ...optionalField('labelEn', values.targetLabelEn),
    },
    source: !source || source === 'manual' ? { kind: 'manual' } : { kind: 'metric', metric: source },
  };
  // Every error at once: while a figure or date cannot be read, the import's own indicator
  // schema still names the other fields' problems (a blank name beside an unreadable baseline).
  if (errors.length) {
    const { section: _section, ...indicator } = input;
    const parsed = IndicatorSchema.safeParse(indicator);
    if (!parsed.success) {
      const taken = new Set(errors.map((e) => e.path));
      for (const e of fieldErrorsOf(parsed.error.issues, lang)) {
        const field = indicatorField(e.path);
        if (taken.has(field)) continue;
        taken.add(field);
        errors.push({ path: field, message: e.message });
      }
    }
  }
  return { values, errors, input };
}

/** The form field an import-schema path (relative to the indicator) belongs to. */
export function indicatorField(path: string): string {
  const map: [string, string][] = [
    ['baseline.value', 'baselineValue'], ['baseline.asOf', 'baselineAsOf'], ['baseline.labelEn', 'baselineLabelEn'], ['baseline.label', 'baselineLabel'],
    ['baseline', 'baselineValue'], ['target.value', 'targetValue'], ['target.date', 'targetDate'], ['target.labelEn', 'targetLabelEn'],
    ['target.label', 'targetLabel'], ['target', 'targetFiscalYear'],
    ['source', 'source'], ['actuals', 'targetValue'],
  ];
  const hit = map.find(([p]) => path === p || path.startsWith(`${p}.`));
  if (hit) return hit[1];
  const head = path.split('.')[0]!;
  return (INDICATOR_FIELDS as readonly string[]).includes(head) ? head : 'name';
}

// ------------------------------------------------------------------ sections

const SECTION_TEXT_FIELDS = [
  'code', 'chapter', 'title', 'titleEn', 'visions', 'visionsEn', 'issues', 'issuesEn', 'directions', 'directionsEn',
  'perceptionCode', 'perceptionText', 'perceptionTextEn',
] as const;

export interface SectionFormValues extends Values<(typeof SECTION_TEXT_FIELDS)[number]> {
  glossary: { marker: string; term: string; termEn: string; definition: string; definitionEn: string }[];
  measures: { code: string; title: string; titleEn: string; department: string }[];
}

const lines = (s: string) => s.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

export function sectionToForm(s: SectionDoc | SectionInput, chapter = ''): SectionFormValues {
  return {
    code: s.code,
    chapter,
    title: s.title,
    titleEn: s.titleEn ?? '',
    visions: s.visions.join('\n'),
    visionsEn: englishText(s.visionsEn),
    issues: s.issues.join('\n'),
    issuesEn: englishText(s.issuesEn),
    directions: s.directions.join('\n'),
    directionsEn: englishText(s.directionsEn),
    perceptionCode: s.perceptionQuestion?.code ?? '',
    perceptionText: s.perceptionQuestion?.text ?? '',
    perceptionTextEn: s.perceptionQuestion?.textEn ?? '',
    glossary: [
      ...s.glossary.map((g) => ({ marker: g.marker ?? '', term: g.term, termEn: g.termEn ?? '', definition: g.definition, definitionEn: g.definitionEn ?? '' })),
      ...blank(EXTRA_ROWS, { marker: '', term: '', termEn: '', definition: '', definitionEn: '' }),
    ],
    measures: [
      ...(s.measures ?? []).map((m) => ({ code: m.code, title: m.title, titleEn: m.titleEn ?? '', department: m.department ?? '' })),
      ...blank(EXTRA_ROWS, { code: '', title: '', titleEn: '', department: '' }),
    ],
  };
}

function listField<K extends string>(key: K, s: string): { [P in K]?: (string | null)[] } {
  const list = englishLines(s);
  return (list === undefined ? {} : { [key]: list }) as { [P in K]?: (string | null)[] };
}

function blank<T>(n: number, row: T): T[] {
  return Array.from({ length: n }, () => ({ ...row }));
}

const MAX_ROWS = 60;

export function sectionFromForm(body: unknown, lang: Lang) {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
  const values: SectionFormValues = { ...formValues(body, SECTION_TEXT_FIELDS), glossary: [], measures: [] };
  for (let i = 0; i < MAX_ROWS && (`glossary-${i}-term` in b || `glossary-${i}-definition` in b); i++) {
    values.glossary.push({
      marker: str(`glossary-${i}-marker`),
      term: str(`glossary-${i}-term`),
      termEn: str(`glossary-${i}-termEn`),
      definition: str(`glossary-${i}-definition`),
      definitionEn: str(`glossary-${i}-definitionEn`),
    });
  }
  for (let i = 0; i < MAX_ROWS && (`measure-${i}-code` in b || `measure-${i}-title` in b); i++) {
    values.measures.push({ code: str(`measure-${i}-code`), title: str(`measure-${i}-title`), titleEn: str(`measure-${i}-titleEn`), department: str(`measure-${i}-department`) });
  }
  const errors: FieldError[] = [];
  // Rows left wholly blank are no rows; the document's index → the form's row.
  const glossaryRows = values.glossary
    .map((g, i) => ({ g, i }))
    .filter(({ g }) => g.marker.trim() || g.term.trim() || g.termEn.trim() || g.definition.trim() || g.definitionEn.trim());
  const measureRows = values.measures.map((m, i) => ({ m, i })).filter(({ m }) => m.code.trim() || m.title.trim() || m.titleEn.trim() || m.department.trim());
  const pCode = values.perceptionCode.trim();
  const pText = values.perceptionText.trim();
  if (Boolean(pCode) !== Boolean(pText)) errors.push(needs(lang, pCode ? 'perceptionText' : 'perceptionCode', 'plan.edit.perceptionPair'));
  const input: SectionInput & { chapter: string } = {
    chapter: values.chapter.trim(),
    code: values.code.trim(),
    title: values.title.trim(),
    ...optionalField('titleEn', values.titleEn),
    visions: lines(values.visions),
    ...listField('visionsEn', values.visionsEn),
    issues: lines(values.issues),
    ...listField('issuesEn', values.issuesEn),
    directions: lines(values.directions),
    ...listField('directionsEn', values.directionsEn),
    glossary: glossaryRows.map(({ g }) => ({
      ...(g.marker.trim() ? { marker: g.marker.trim() } : {}),
      term: g.term.trim(),
      ...optionalField('termEn', g.termEn),
      definition: g.definition.trim(),
      ...optionalField('definitionEn', g.definitionEn),
    })),
    ...(pCode && pText ? { perceptionQuestion: { code: pCode, text: pText, ...optionalField('textEn', values.perceptionTextEn) } } : {}),
    measures: measureRows.map(({ m }) => ({
      code: m.code.trim(),
      title: m.title.trim(),
      ...optionalField('titleEn', m.titleEn),
      ...(m.department.trim() ? { department: m.department.trim() } : {}),
    })),
  };
  const fieldOf = (path: string): string => {
    const [head, index, leaf] = path.split('.');
    if (head === 'glossary' && index !== undefined) return `glossary-${glossaryRows[Number(index)]?.i ?? 0}-${leaf ?? 'term'}`;
    if (head === 'measures' && index !== undefined) return `measure-${measureRows[Number(index)]?.i ?? 0}-${leaf === 'department' ? 'department' : leaf ?? 'code'}`;
    if (head === 'perceptionQuestion') return index === 'code' ? 'perceptionCode' : index === 'textEn' ? 'perceptionTextEn' : 'perceptionText';
    return (SECTION_TEXT_FIELDS as readonly string[]).includes(head ?? '') ? head! : 'title';
  };
  return { values, errors, input, fieldOf };
}
