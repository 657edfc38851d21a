/**
 * Calendar dates, fiscal years (年度) and Japanese era (和暦) notation.
 *
 * Dates are ISO strings 'YYYY-MM-DD' naming a JST calendar date. All arithmetic is done on
 * UTC midnights, so no local time zone can shift a date. Formatting goes through Intl with
 * explicit options (ICU defaults differ between versions); parsing accepts the notations the
 * comprehensive plan uses ('H25.3.31', '平成24年度', 'H23年度末', 'FY2017', …).
 */

/** A calendar date as 'YYYY-MM-DD' (JST). */
export type IsoDate = string;

/** A date or fiscal year read from the plan's text by {@link parsePlanDate}. */
export type PlanDate =
  | { kind: 'date'; date: IsoDate; label: string }
  | { kind: 'fiscalYear'; fiscalYear: number; date: IsoDate; label: string };

/** Thrown by {@link parsePlanDate} for text holding no valid date notation. */
export class PlanDateError extends Error {
  override name = 'PlanDateError';

  /** @param text the text as given to the parser */
  constructor(readonly text: string) {
    const shown = text.trim();
    super(`日付の表記を解釈できません: "${shown}" / Cannot read the date notation "${shown}"`);
  }
}

// ---------------------------------------------------------------------------------------------
// ISO dates and day arithmetic

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** UTC midnight of a calendar date, or undefined when the date does not exist. */
function utcMidnight(year: number, month: number, day: number): Date | undefined {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear, unlike Date.UTC, keeps years 0–99
  const real = d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
  return real ? d : undefined;
}

function toIso(d: Date): IsoDate {
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

function isoOf(year: number, month: number, day: number): IsoDate | undefined {
  if (year < 1 || year > 9999) return undefined;
  const d = utcMidnight(year, month, day);
  return d && toIso(d);
}

/** Reads an ISO date into UTC midnight; RangeError when it is not a real 'YYYY-MM-DD' date. */
function fromIso(date: IsoDate): Date {
  const m = ISO_RE.exec(date);
  const d = m && utcMidnight(Number(m[1]), Number(m[2]), Number(m[3]));
  if (!d) throw new RangeError(`Not an ISO date (YYYY-MM-DD): "${date}"`);
  return d;
}

/** True when text is exactly 'YYYY-MM-DD' and names a real calendar date. */
export function isIsoDate(text: string): boolean {
  const m = ISO_RE.exec(text);
  return m !== null && utcMidnight(Number(m[1]), Number(m[2]), Number(m[3])) !== undefined;
}

/** Orders two ISO dates: negative when a is earlier, 0 when equal, positive when later. */
export function compareIsoDate(a: IsoDate, b: IsoDate): number {
  return Math.sign(fromIso(a).getTime() - fromIso(b).getTime());
}

/** The date n days after date (n may be negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`Not a whole number of days: ${n}`);
  return toIso(new Date(fromIso(date).getTime() + n * MS_PER_DAY));
}

/** Days from a to b: positive when b is later, e.g. daysBetween('2024-03-31', '2024-04-01') = 1. */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((fromIso(b).getTime() - fromIso(a).getTime()) / MS_PER_DAY);
}

/** Japan Standard Time: UTC+9, with no daylight saving since 1951. */
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/**
 * The calendar date in Asia/Tokyo at the instant now. A fixed offset, not Intl: every
 * request asks, and Intl's time-zone formatting cost more than the rest of a cached read.
 */
export function todayJst(now: Date = new Date()): IsoDate {
  const shifted = now.getTime() + JST_OFFSET_MS;
  if (!Number.isFinite(shifted)) throw new RangeError(`No calendar date for ${String(now)}`);
  // Every request asks: the last answer is reused within its day.
  const day = Math.floor(shifted / MS_PER_DAY);
  if (day !== lastJst.day) {
    lastJst.day = day;
    lastJst.iso = toIso(new Date(shifted));
  }
  return lastJst.iso;
}
const lastJst = { day: NaN, iso: '' };

// ---------------------------------------------------------------------------------------------
// Fiscal years (年度: 1 April – 31 March)

/** The fiscal year a date falls in: April–December belong to that year, January–March to the previous. */
export function fiscalYearOf(date: IsoDate): number {
  const d = fromIso(date);
  const year = d.getUTCFullYear();
  return d.getUTCMonth() + 1 >= 4 ? year : year - 1;
}

/** First day of fiscal year fy: 1 April fy. */
export function fiscalYearStart(fy: number): IsoDate {
  return `${String(fy).padStart(4, '0')}-04-01`;
}

/** Last day of fiscal year fy: 31 March of fy + 1. */
export function fiscalYearEnd(fy: number): IsoDate {
  return `${String(fy + 1).padStart(4, '0')}-03-31`;
}

// ---------------------------------------------------------------------------------------------
// Japanese eras

interface Era {
  letter: string;
  name: string;
  /** First day, as in ICU's Japanese calendar. */
  start: IsoDate;
  startYear: number;
}

/** Modern eras, oldest first. The start dates match ICU, so parsing and formatting agree. */
const ERAS: readonly Era[] = [
  { letter: 'M', name: '明治', start: '1868-10-23', startYear: 1868 },
  { letter: 'T', name: '大正', start: '1912-07-30', startYear: 1912 },
  { letter: 'S', name: '昭和', start: '1926-12-25', startYear: 1926 },
  { letter: 'H', name: '平成', start: '1989-01-08', startYear: 1989 },
  { letter: 'R', name: '令和', start: '2019-05-01', startYear: 2019 },
];

/** Day after the era's last day, or undefined for the current era. */
function eraEndExclusive(era: Era): IsoDate | undefined {
  return ERAS[ERAS.indexOf(era) + 1]?.start;
}

/** The modern era in force on date, or undefined before Meiji. ISO strings compare as dates. */
function eraOn(date: IsoDate): Era | undefined {
  let found: Era | undefined;
  for (const era of ERAS) if (era.start <= date) found = era;
  return found;
}

/** Era year as written: 1 is 元 (元年). */
function eraYearText(n: number): string {
  return n === 1 ? '元' : String(n);
}

const JAPANESE_DATE = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  timeZone: 'UTC',
  era: 'long',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
});

const ENGLISH_DATE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
});

/** Date in the Japanese era calendar, e.g. '2019-05-01' → '令和元年5月1日'. */
export function formatJapaneseDate(date: IsoDate): string {
  return remembered(japaneseDates, date, japaneseDateOf);
}

/** Dates are formatted often and are few: results are kept (bounded). */
const japaneseDates = new Map<IsoDate, string>();
const englishDates = new Map<IsoDate, string>();

function remembered(cache: Map<IsoDate, string>, date: IsoDate, format: (date: IsoDate) => string): string {
  let text = cache.get(date);
  if (text === undefined) {
    text = format(date);
    if (cache.size >= 10_000) cache.clear();
    cache.set(date, text);
  }
  return text;
}

function japaneseDateOf(date: IsoDate): string {
  const parts = JAPANESE_DATE.formatToParts(fromIso(date));
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  // ICU prints the first year as '1' or '元' depending on version; always write 元.
  const year = part('year');
  const yearText = year === '元' ? year : eraYearText(Number(year));
  return `${part('era')}${yearText}年${Number(part('month'))}月${Number(part('day'))}日`;
}

/** Japanese date followed by the ISO date, e.g. '平成25年3月31日 (2013-03-31)'. */
export function formatDateBoth(date: IsoDate): string {
  return `${formatJapaneseDate(date)} (${date})`;
}

/** Date in British English, e.g. '2013-03-31' → '31 March 2013'. */
export function formatDateEn(date: IsoDate): string {
  return remembered(englishDates, date, englishDateOf);
}

function englishDateOf(date: IsoDate): string {
  const parts = ENGLISH_DATE.formatToParts(fromIso(date));
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')} ${part('month')} ${part('year')}`;
}

/**
 * Era and era year naming fiscal year fy.
 *
 * Rule: take the era in force on the fiscal year's last day (31 March fy + 1), numbering the year
 * fy − (era's first calendar year) + 1. This names FY2019 令和元年度, as the city (and most
 * municipalities) write it, although 1 April 2019 was still Heisei. When that number is below 1
 * (the era began between 1 January and 31 March of fy + 1, e.g. Heisei on 1989-01-08), the fiscal
 * year keeps the era in force on its first day instead: FY1988 is 昭和63年度, not 平成0年度.
 */
function fiscalYearEra(fy: number): { era: Era; year: number } {
  const atEnd = eraOn(fiscalYearEnd(fy));
  if (atEnd && fy - atEnd.startYear + 1 >= 1) return { era: atEnd, year: fy - atEnd.startYear + 1 };
  const atStart = eraOn(fiscalYearStart(fy));
  if (!atStart) throw new RangeError(`No Japanese era for fiscal year ${fy}`);
  return { era: atStart, year: fy - atStart.startYear + 1 };
}

/** Fiscal year in the era calendar, e.g. 2017 → '平成29年度', 2019 → '令和元年度'. */
export function formatJapaneseFiscalYear(fy: number): string {
  const { era, year } = fiscalYearEra(fy);
  return `${era.name}${eraYearText(year)}年度`;
}

/** Fiscal year in Western notation, e.g. 2017 → 'FY2017'. */
export function formatWesternFiscalYear(fy: number): string {
  return `FY${fy}`;
}

/** Both notations, e.g. 2017 → '平成29年度 (FY2017)'. */
export function formatBothFiscalYear(fy: number): string {
  return `${formatJapaneseFiscalYear(fy)} (${formatWesternFiscalYear(fy)})`;
}

// ---------------------------------------------------------------------------------------------
// Parsing the plan's notations

/** What a notation means, before the label is attached. */
type PlanDateValue =
  | { kind: 'date'; date: IsoDate }
  | { kind: 'fiscalYear'; fiscalYear: number; date: IsoDate };

/** A notation found in the normalised text: where it sits and what it means (undefined if invalid). */
interface Candidate {
  index: number;
  length: number;
  value: PlanDateValue | undefined;
}

type Groups = readonly (string | undefined)[];

const LETTER = '([MTSHR])';
const KANJI = `(${ERAS.map((e) => e.name).join('|')})`;
const ERA_YEAR = '(\\d{1,3}|元)';
const NUM = '(\\d{1,2})';
const NO_LETTER_BEFORE = '(?<![A-Z])';
const NO_DIGIT_BEFORE = '(?<!\\d)';

function eraByKey(key: string | undefined): Era | undefined {
  return ERAS.find((e) => e.letter === key?.toUpperCase() || e.name === key);
}

function eraYearNumber(text: string | undefined): number {
  return text === '元' ? 1 : Number(text);
}

/** A date given in era notation, if it is real and inside the era. */
function eraDate(key: string | undefined, y: string | undefined, m: string | undefined, d: string | undefined) {
  const era = eraByKey(key);
  const year = eraYearNumber(y);
  if (!era || year < 1) return undefined;
  const iso = isoOf(era.startYear + year - 1, Number(m), Number(d));
  const end = eraEndExclusive(era);
  if (!iso || iso < era.start || (end !== undefined && iso >= end)) return undefined;
  return { kind: 'date' as const, date: iso };
}

function westernDate(y: string | undefined, m: string | undefined, d: string | undefined) {
  const iso = isoOf(Number(y), Number(m), Number(d));
  return iso ? { kind: 'date' as const, date: iso } : undefined;
}

/** The fiscal year an era year names, if that fiscal year overlaps the era (H31年度 = FY2019 is fine, H32年度 is not). */
function eraFiscalYear(key: string | undefined, y: string | undefined): number | undefined {
  const era = eraByKey(key);
  const year = eraYearNumber(y);
  if (!era || year < 1) return undefined;
  const fy = era.startYear + year - 1;
  const end = eraEndExclusive(era);
  if (fiscalYearEnd(fy) < era.start || (end !== undefined && fiscalYearStart(fy) >= end)) return undefined;
  return fy;
}

function westernFiscalYear(y: string | undefined): number | undefined {
  const fy = Number(y);
  return fy >= 1 && fy <= 9998 ? fy : undefined;
}

function fiscalYearValue(fy: number | undefined) {
  return fy === undefined ? undefined : { kind: 'fiscalYear' as const, fiscalYear: fy, date: fiscalYearEnd(fy) };
}

function fiscalYearEndValue(fy: number | undefined) {
  return fy === undefined ? undefined : { kind: 'date' as const, date: fiscalYearEnd(fy) };
}

/** Joins pattern pieces, allowing spaces between them ('平成 24 年度'). */
function seq(...pieces: string[]): string {
  return pieces.join('\\s*');
}

/** Each notation: a pattern over the normalised text and how to read its groups. */
const NOTATIONS: readonly { re: RegExp; read: (g: Groups) => PlanDateValue | undefined }[] = [
  // 2013-03-31
  {
    re: new RegExp(`${NO_DIGIT_BEFORE}(\\d{4})-(\\d{2})-(\\d{2})(?!\\d)`, 'i'),
    read: (g) => westernDate(g[1], g[2], g[3]),
  },
  // 2013年3月31日
  {
    re: new RegExp(`${NO_DIGIT_BEFORE}${seq('(\\d{4})', '年', NUM, '月', NUM, '日')}`, 'i'),
    read: (g) => westernDate(g[1], g[2], g[3]),
  },
  // H25.3.31
  {
    re: new RegExp(`${NO_LETTER_BEFORE}${seq(LETTER, ERA_YEAR, '\\.', NUM, '\\.', NUM)}(?!\\d)`, 'i'),
    read: (g) => eraDate(g[1], g[2], g[3], g[4]),
  },
  // 平成25年3月31日
  {
    re: new RegExp(seq(KANJI, ERA_YEAR, '年', NUM, '月', NUM, '日'), 'i'),
    read: (g) => eraDate(g[1], g[2], g[3], g[4]),
  },
  // H23末, H23年度末
  {
    re: new RegExp(`${NO_LETTER_BEFORE}${seq(LETTER, ERA_YEAR, '(?:年度)?', '末')}`, 'i'),
    read: (g) => fiscalYearEndValue(eraFiscalYear(g[1], g[2])),
  },
  // 平成23年度末
  {
    re: new RegExp(seq(KANJI, ERA_YEAR, '年度', '末'), 'i'),
    read: (g) => fiscalYearEndValue(eraFiscalYear(g[1], g[2])),
  },
  // 2011年度末
  {
    re: new RegExp(`${NO_DIGIT_BEFORE}${seq('(\\d{4})', '年度', '末')}`, 'i'),
    read: (g) => fiscalYearEndValue(westernFiscalYear(g[1])),
  },
  // H24年度, and bare H29 (not followed by a digit, dot or letter: 'H25.3' is no notation)
  {
    re: new RegExp(`${NO_LETTER_BEFORE}${LETTER}\\s*${ERA_YEAR}(?:\\s*年度|(?![\\d.A-Z]))`, 'i'),
    read: (g) => fiscalYearValue(eraFiscalYear(g[1], g[2])),
  },
  // 平成24年度
  {
    re: new RegExp(seq(KANJI, ERA_YEAR, '年度'), 'i'),
    read: (g) => fiscalYearValue(eraFiscalYear(g[1], g[2])),
  },
  // FY2017
  {
    re: new RegExp(`${NO_LETTER_BEFORE}${seq('FY', '(\\d{4})')}(?!\\d)`, 'i'),
    read: (g) => fiscalYearValue(westernFiscalYear(g[1])),
  },
  // 2017年度
  {
    re: new RegExp(`${NO_DIGIT_BEFORE}${seq('(\\d{4})', '年度')}`, 'i'),
    read: (g) => fiscalYearValue(westernFiscalYear(g[1])),
  },
];

/**
 * Reads a date or fiscal year written in one of the plan's notations:
 * ISO ('2013-03-31'), era dates ('H25.3.31', '平成25年3月31日', '令和元年5月1日'), fiscal years
 * ('平成24年度', 'H24年度', 'R1年度', 'H29', 'FY2017', '2017年度') and fiscal-year ends
 * ('H23末', 'H23年度末', '平成23年度末' → 31 March of the following year).
 *
 * Full-width characters are accepted (the text is NFKC-normalised). When the text is more than
 * the notation ('(H25.3.31)', '一般会計H23年度末'), the first notation in it is read; where several
 * overlap at that point the longest wins ('H23年度末' over 'H23年度'). A notation that is found
 * but names no real date (or a date outside its era, such as 'H31.5.1') is an error, not skipped.
 *
 * @throws PlanDateError when the text holds no valid notation
 */
export function parsePlanDate(text: string): PlanDate {
  const label = text.trim();
  const normalised = label.normalize('NFKC');

  let best: Candidate | undefined;
  for (const { re, read } of NOTATIONS) {
    const m = re.exec(normalised); // leftmost match of this notation
    if (!m) continue;
    const found: Candidate = { index: m.index, length: m[0].length, value: read(m) };
    if (!best || found.index < best.index || (found.index === best.index && found.length > best.length)) {
      best = found;
    }
  }

  if (!best?.value) throw new PlanDateError(text);
  return { ...best.value, label };
}
