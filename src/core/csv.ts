/**
 * CSV downloads as Japanese spreadsheet users open them: UTF-8 with a byte-order mark (Excel
 * reads it as UTF-8), CRLF line ends, and text a spreadsheet would run as a formula made inert.
 */
import { stringify } from 'csv-stringify/sync';

/** A text cell a spreadsheet would read as a formula (=, +, -, @) is prefixed with an apostrophe. */
export function inertCell(cell: string | number): string | number {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** Rows (the header first) as a CSV download. */
export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  return '\uFEFF' + stringify(rows.map((r) => r.map(inertCell)), { record_delimiter: '\r\n' });
}
