/**
 * Reading the CSV files cities publish: the bytes decoded as UTF-8 (with or without BOM) or
 * Shift_JIS/CP932 (WHATWG "shift_jis", which is Windows-31J), then split into records with the
 * line on which each begins. CRLF, LF and CR may be mixed in one file; quoted cells may hold
 * line breaks and doubled quotes.
 */

/** The encoding a file was read in. */
export type CsvEncoding = 'utf-8-bom' | 'utf-8' | 'shift_jis';

/** Decodes published bytes: a BOM or valid UTF-8 is UTF-8; anything else is read as Shift_JIS (CP932). */
export function decodeCsvBytes(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('shift_jis').decode(bytes), encoding: 'shift_jis' };
  }
}

/** One record of a CSV file and the (1-based) line it starts on. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * Splits CSV text (RFC 4180, any line ending) into records. Lines holding nothing are
 * skipped. An unterminated quote ends the file: its record is returned with `unterminated`.
 */
export function parseCsv(text: string): { records: CsvRecord[]; unterminatedAt: number | null } {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let any = false;
  const endRecord = () => {
    cells.push(cell);
    if (any || cells.length > 1 || cell !== '') records.push({ line: start, cells });
    cells = [];
    cell = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell.trim() === '') {
      quoted = true;
      any = true;
      cell = '';
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) {
    endRecord();
    return { records, unterminatedAt: start };
  }
  if (cell !== '' || cells.length > 0 || any) endRecord();
  return { records, unterminatedAt: null };
}

/** A CSV cell: quoted when it holds a comma, quote or line break (or leading/trailing space). */
function csvCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text (CRLF line ends) with a UTF-8 BOM, as Japanese spreadsheet software expects. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return '\ufeff' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
