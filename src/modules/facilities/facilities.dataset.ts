/**
 * 公共施設一覧 — the national recommended dataset of public facilities, in its two editions:
 * the first (24 columns from 都道府県コード又は市区町村コード, NO) and the 2024 edition
 * (自治体標準オープンデータセット, 55 columns from 全国地方公共団体コード, ID), plus the optional
 * columns this register adds (分類, 延床面積, 敷地面積, 建築年, 供用開始日). A file's rows are
 * read into 2024-edition names and checked; every problem is reported with its line, column
 * and severity. Pure functions: no database.
 */
import { isIsoDate } from '../../core/dates.ts';
import { parseCsv } from './facilities.csv.ts';

/** The 2024 edition's columns, in order (the export writes them so). */
export const EDITION_2024_COLUMNS = [
  '全国地方公共団体コード', 'ID', '地方公共団体名', '名称', '名称_カナ', '名称_英字', '名称_通称', 'POIコード', '外部識別子', '外部識別子の値',
  '所在地_全国地方公共団体コード', '町字ID', '所在地_連結表記', '所在地_都道府県', '所在地_市区町村', '所在地_町字', '所在地_番地以下', '建物名等(方書)',
  '緯度', '経度', '高度の種別', '高度の値', '電話番号', '内線番号', '連絡先メールアドレス', '連絡先FormURL', '連絡先備考（その他、SNSなど）', '郵便番号',
  '法人番号', '団体名', '利用可能曜日', '開始時間', '終了時間', '利用可能時間特記事項', '説明', '車椅子可', '車椅子貸出', 'ツエ貸出', 'バリアフリートイレ',
  'スロープ、エレベータ、エスカレータ', '点字ブロック等の移動支援', '点字や読上による支援', '盲導犬・介助犬、聴導犬同伴', '字幕', '筆談対応', '優先駐車場',
  'オストメイト対応トイレ', '授乳室', 'おむつ替えコーナー', '飲食可否', 'ベビーカー貸出', 'ベビーカー利用', 'URL', '画像', '画像_ライセンス', '備考',
] as const;

/** The first edition's columns, in order. */
export const EDITION_1_COLUMNS = [
  '都道府県コード又は市区町村コード', 'NO', '都道府県名', '市区町村名', '名称', '名称_カナ', '名称_通称', 'POIコード', '住所', '方書', '緯度', '経度',
  '電話番号', '内線番号', '法人番号', '団体名', '利用可能曜日', '開始時間', '終了時間', '利用可能日時特記事項', '説明', 'バリアフリー情報', 'URL', '備考',
] as const;

/** Columns of this register beside the dataset's (all optional). */
export const REGISTER_COLUMNS = ['分類', '延床面積', '敷地面積', '建築年', '供用開始日'] as const;

/** First-edition names that have another name in the 2024 edition. */
const FIRST_TO_2024: Record<string, string> = {
  都道府県コード又は市区町村コード: '全国地方公共団体コード',
  NO: 'ID',
  都道府県名: '所在地_都道府県',
  市区町村名: '所在地_市区町村',
  住所: '所在地_連結表記',
  方書: '建物名等(方書)',
  利用可能日時特記事項: '利用可能時間特記事項',
};

/**
 * Columns read past silently: a portal's own (CKAN's datastore row number) and the status
 * columns this register's export adds (statuses change through the register, not a file), and
 * its demonstration mark.
 */
const PORTAL_COLUMNS = new Set(['_id', '状態', '状態の日付', 'デモデータ']);

export type Edition = 'first' | '2024';
export type Severity = 'error' | 'warning';

/** A problem found in a file: line 1 is the header. */
export interface ImportProblem {
  line: number;
  column: string | null;
  severity: Severity;
  message: string;
}

/** A facility as read from a file, checked and normalised. */
export interface FacilityInput {
  line: number;
  externalId: string;
  name: string;
  nameKana: string | null;
  category: string | null;
  isPark: boolean;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  floorArea: number | null;
  siteArea: number | null;
  yearBuilt: number | null;
  responsible: string | null;
  inServiceSince: string | null;
  /** Every dataset column (2024-edition names) with its cleaned value; empty cells left out. */
  dataset: Record<string, string>;
}

export interface ParsedFile {
  edition: Edition | null;
  rows: number;
  facilities: FacilityInput[];
  problems: ImportProblem[];
}

const normalizeHeader = (h: string) => h.replace(/^\ufeff/, '').normalize('NFKC').replace(/[\s\u3000]+/g, '');
const KNOWN = new Map<string, string>(
  [...EDITION_2024_COLUMNS, ...EDITION_1_COLUMNS, ...REGISTER_COLUMNS, '利用可能日時特記事項', '利用可能時間特記事項'].map((c) => [normalizeHeader(c), c]),
);

/** Half- and full-width spaces off both ends. */
export function trimCell(value: string): string {
  return value.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
}

/** A cell holding nothing (empty, or a "-" / "－" / "ー" placeholder). */
function isBlank(value: string): boolean {
  return value === '' || /^[-－ー―‐]$/.test(value);
}

/** JIS X 0402 check digit of a five-digit municipality code. */
export function checkDigit(five: string): number {
  const sum = [...five].reduce((s, d, i) => s + Number(d) * (6 - i), 0);
  return (11 - (sum % 11)) % 10;
}

/** True for a six-digit 全国地方公共団体コード whose check digit is right. */
export function isLocalGovernmentCode(code: string): boolean {
  return /^\d{6}$/.test(code) && checkDigit(code.slice(0, 5)) === Number(code[5]);
}

/** A number as people write it: full-width digits, thousands commas, spaces and ㎡ allowed. */
export function parseLooseNumber(value: string): number | null {
  const text = value.normalize('NFKC').replace(/[\s,]/g, '').replace(/(m2|m²|㎡)$/i, '');
  if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

/** "9:00", "９：００", "22:00" → "09:00", "22:00"; null when it is no time of day. */
export function parseTimeOfDay(value: string): string | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.normalize('NFKC').replace(/\s/g, ''));
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min > 0)) return null;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

const KANA_RE = /^[\u30a0-\u30ff\u3000 ・･ー0-9A-Za-z()（）．.・、,\-－]+$/u;

/** Parks (公園, 緑地) are a category of their own: excluded from indicator 6-2-2. */
export function isParkCategory(category: string | null): boolean {
  return !!category && /公園|緑地/.test(category.normalize('NFKC'));
}

/**
 * The category of a row without 分類: parks recognised by their description (街区公園) or
 * name (…公園, …緑地); others stay uncategorised.
 */
function inferCategory(name: string, description: string | undefined): string | null {
  const d = (description ?? '').normalize('NFKC');
  if (/公園|緑地/.test(d)) return '公園';
  if (/(公園|緑地)$/.test(name.normalize('NFKC'))) return '公園';
  return null;
}

/** Reads a file's text: the edition from its header, then every row checked. */
export function readFacilityFile(text: string, options: { maxRows?: number } = {}): ParsedFile {
  const problems: ImportProblem[] = [];
  const { records, unterminatedAt } = parseCsv(text);
  if (unterminatedAt !== null) {
    problems.push({ line: unterminatedAt, column: null, severity: 'error', message: '引用符（"）が閉じられていません / A quoted cell is not closed' });
  }
  const header = records[0];
  if (!header) {
    problems.push({ line: 1, column: null, severity: 'error', message: 'ファイルが空です / The file is empty' });
    return { edition: null, rows: 0, facilities: [], problems };
  }
  const names = header.cells.map((h) => KNOWN.get(normalizeHeader(h)) ?? trimCell(h.replace(/^\ufeff/, '')));
  const edition: Edition | null = names.includes('全国地方公共団体コード') ? '2024' : names.includes('都道府県コード又は市区町村コード') ? 'first' : null;
  if (!edition) {
    problems.push({
      line: 1,
      column: null,
      severity: 'error',
      message: '公共施設一覧の見出し（全国地方公共団体コード または 都道府県コード又は市区町村コード）がありません / Not a 公共施設一覧 file: no header of either edition',
    });
    return { edition, rows: records.length - 1, facilities: [], problems };
  }
  // Column index → 2024-edition name (null: ignored).
  const columns: (string | null)[] = names.map((n) => {
    if (PORTAL_COLUMNS.has(n)) return null;
    const mapped = edition === 'first' ? (FIRST_TO_2024[n] ?? n) : n === '利用可能日時特記事項' ? '利用可能時間特記事項' : n;
    return mapped;
  });
  const known = new Set<string>([...EDITION_2024_COLUMNS, ...REGISTER_COLUMNS, 'バリアフリー情報']);
  const seen = new Set<string>();
  columns.forEach((c, i) => {
    if (c === null) return;
    if (!known.has(c)) {
      problems.push({ line: 1, column: names[i]!, severity: 'warning', message: `列「${names[i]}」は取り込みません / Column "${names[i]}" is not imported` });
      columns[i] = null;
    } else if (seen.has(c)) {
      problems.push({ line: 1, column: names[i]!, severity: 'error', message: `列「${names[i]}」が重複しています / Column "${names[i]}" appears twice` });
      columns[i] = null;
    } else seen.add(c);
  });
  for (const required of ['ID', '名称']) {
    if (!seen.has(required)) {
      const label = edition === 'first' && required === 'ID' ? 'NO' : required;
      problems.push({ line: 1, column: label, severity: 'error', message: `必須の列「${label}」がありません / The required column "${label}" is missing` });
    }
  }

  const facilities: FacilityInput[] = [];
  const ids = new Map<string, number>();
  const body = records.slice(1);
  if (options.maxRows !== undefined && body.length > options.maxRows) {
    problems.push({ line: 1, column: null, severity: 'error', message: `行数が上限（${options.maxRows}行）を超えています / More than ${options.maxRows} rows` });
    return { edition, rows: body.length, facilities: [], problems };
  }
  for (const rec of body) {
    const row = readRow(rec.line, rec.cells, columns, names, edition, problems);
    if (!row) continue;
    const first = ids.get(row.externalId);
    if (first !== undefined) {
      problems.push({ line: rec.line, column: edition === 'first' ? 'NO' : 'ID', severity: 'error', message: `ID ${row.externalId} は ${first} 行目と重複しています / ID ${row.externalId} repeats line ${first}` });
      continue;
    }
    ids.set(row.externalId, rec.line);
    facilities.push(row);
  }
  return { edition, rows: body.length, facilities, problems };
}

function readRow(
  line: number,
  cells: string[],
  columns: (string | null)[],
  headerNames: string[],
  edition: Edition,
  problems: ImportProblem[],
): FacilityInput | null {
  const shownName = (col: string) => {
    const i = columns.indexOf(col);
    return i >= 0 ? headerNames[i]! : col;
  };
  const problem = (col: string | null, severity: Severity, message: string) =>
    problems.push({ line, column: col === null ? null : shownName(col), severity, message });
  const errorsBefore = problems.filter((p) => p.severity === 'error').length;
  if (cells.length > columns.length && cells.slice(columns.length).some((c) => trimCell(c) !== '')) {
    problem(null, 'error', `列の数（${cells.length}）が見出し（${columns.length}）より多い / ${cells.length} cells but ${columns.length} columns`);
  }
  const v: Record<string, string> = {};
  columns.forEach((c, i) => {
    if (c === null) return;
    const value = trimCell(cells[i] ?? '');
    if (!isBlank(value)) v[c] = value;
  });

  const externalId = v.ID?.normalize('NFKC') ?? '';
  if (!externalId) problem('ID', 'error', `${edition === 'first' ? 'NO' : 'ID'} が空です / The ID is empty`);
  else if (externalId.length > 64) problem('ID', 'error', 'ID が長すぎます（64文字まで） / The ID is longer than 64 characters');
  const name = v['名称'] ?? '';
  if (!name) problem('名称', 'error', '名称が空です / The name is empty');
  else if (name.length > 200) problem('名称', 'error', '名称が長すぎます（200文字まで） / The name is longer than 200 characters');

  const code = v['全国地方公共団体コード']?.normalize('NFKC');
  if (code !== undefined) {
    if (!isLocalGovernmentCode(code)) {
      problem('全国地方公共団体コード', 'error', `「${code}」は6桁の地方公共団体コード（検査数字付き）ではありません / "${code}" is not a six-digit local government code with its check digit`);
    } else v['全国地方公共団体コード'] = code;
  }

  const kana = v['名称_カナ'];
  if (kana !== undefined && !KANA_RE.test(kana.normalize('NFKC'))) {
    problem('名称_カナ', 'warning', `名称_カナ「${kana}」にカタカナ以外の文字があります / The kana reading holds characters other than katakana`);
  }

  let latitude: number | null = null;
  let longitude: number | null = null;
  const lat = v['緯度'];
  const lon = v['経度'];
  if (lat !== undefined || lon !== undefined) {
    const la = lat === undefined ? null : parseLooseNumber(lat);
    const lo = lon === undefined ? null : parseLooseNumber(lon);
    if (lat === undefined || lon === undefined) problem(lat === undefined ? '緯度' : '経度', 'error', '緯度と経度は両方必要です / Latitude and longitude go together');
    else if (la === null || la < 20 || la > 46) problem('緯度', 'error', `緯度「${lat}」が日本の範囲（北緯20〜46度）にありません / Latitude "${lat}" is not inside Japan`);
    else if (lo === null || lo < 122 || lo > 154) problem('経度', 'error', `経度「${lon}」が日本の範囲（東経122〜154度）にありません / Longitude "${lon}" is not inside Japan`);
    else {
      // As stored (numeric(10, 7)), so that a re-import compares equal.
      latitude = Math.round(la * 1e7) / 1e7;
      longitude = Math.round(lo * 1e7) / 1e7;
      v['緯度'] = String(la);
      v['経度'] = String(lo);
    }
  }

  for (const col of ['開始時間', '終了時間']) {
    const t = v[col];
    if (t === undefined) continue;
    const time = parseTimeOfDay(t);
    if (time === null) problem(col, 'error', `${col}「${t}」は hh:mm の時刻ではありません / "${t}" is not a time hh:mm`);
    else v[col] = time;
  }

  const corp = v['法人番号'];
  if (corp !== undefined) {
    const n = corp.normalize('NFKC');
    if (/^\d{13}$/.test(n)) v['法人番号'] = n;
    else {
      delete v['法人番号'];
      const excel = /e\+?\d+$/i.test(n);
      problem(
        '法人番号',
        'warning',
        excel
          ? `法人番号「${corp}」は表計算ソフトで指数表記に変わっており元の番号が失われています。値を取り込みません / The corporate number "${corp}" was turned into a float by a spreadsheet; the value is dropped`
          : `法人番号「${corp}」は13桁の数字ではありません。値を取り込みません / The corporate number "${corp}" is not 13 digits; the value is dropped`,
      );
    }
  }

  const area = (col: '延床面積' | '敷地面積') => {
    const raw = v[col];
    if (raw === undefined) return null;
    const n = parseLooseNumber(raw);
    if (n === null || n < 0 || n >= 1e12) {
      problem(col, 'error', `${col}「${raw}」は0以上の数値（㎡）ではありません / "${raw}" is not an area in ㎡`);
      return null;
    }
    const rounded = Math.round(n * 100) / 100;
    v[col] = String(rounded);
    return rounded;
  };
  const floorArea = area('延床面積');
  const siteArea = area('敷地面積');

  let yearBuilt: number | null = null;
  if (v['建築年'] !== undefined) {
    const y = parseLooseNumber(v['建築年']);
    if (y === null || !Number.isInteger(y) || y < 1800 || y > 2200) problem('建築年', 'error', `建築年「${v['建築年']}」は西暦の年ではありません / "${v['建築年']}" is not a year`);
    else v['建築年'] = String((yearBuilt = y));
  }
  let inServiceSince: string | null = null;
  if (v['供用開始日'] !== undefined) {
    const d = v['供用開始日'].normalize('NFKC').replace(/\//g, '-');
    const padded = d.replace(/^(\d{4})-(\d{1,2})-(\d{1,2})$/, (_m, y: string, mo: string, da: string) => `${y}-${mo.padStart(2, '0')}-${da.padStart(2, '0')}`);
    if (!isIsoDate(padded)) problem('供用開始日', 'error', `供用開始日「${v['供用開始日']}」は日付（YYYY-MM-DD）ではありません / "${v['供用開始日']}" is not a date`);
    else inServiceSince = v['供用開始日'] = padded;
  }

  if (edition === 'first' && v['地方公共団体名'] === undefined && (v['所在地_都道府県'] || v['所在地_市区町村'])) {
    v['地方公共団体名'] = `${v['所在地_都道府県'] ?? ''}${v['所在地_市区町村'] ?? ''}`;
  }
  const errorsAfter = problems.filter((p) => p.severity === 'error').length;
  if (errorsAfter > errorsBefore) return null;
  const category = v['分類'] ?? inferCategory(name, v['説明']);
  // The dataset mirrors the category (inferred or given), so an export imports unchanged.
  if (category !== null) v['分類'] = category;
  return {
    line,
    externalId,
    name,
    nameKana: kana ?? null,
    category,
    isPark: isParkCategory(category),
    address: v['所在地_連結表記'] ?? null,
    latitude,
    longitude,
    floorArea,
    siteArea,
    yearBuilt,
    responsible: v['団体名'] ?? null,
    inServiceSince,
    dataset: v,
  };
}
