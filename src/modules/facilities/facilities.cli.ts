/** `hibiki facilities import FILE [--dry-run]`: a 公共施設一覧 file into the register. */
import { readFileSync } from 'node:fs';
import { todayJst } from '../../core/dates.ts';
import { AppError } from '../../core/errors.ts';
import type { CliCommand } from '../module.ts';
import { importFacilities, type ImportResult } from './facilities.service.ts';

/** The lines the command prints: a summary, then every problem with its line and column. */
export function importReport(file: string, r: ImportResult): string[] {
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  const warnings = r.problems.length - errors;
  const lines = [
    `${file}: ${r.edition === '2024' ? '2024年版' : r.edition === 'first' ? '第1版' : '不明な形式'} (${r.encoding}), ${r.rows} 行 / rows`,
    `  新規 created ${r.created}, 更新 updated ${r.updated}, 変更なし unchanged ${r.unchanged}, ファイルにない施設 missing from the file ${r.missing.length}`,
    `  誤り errors ${errors}, 警告 warnings ${warnings}`,
  ];
  for (const p of r.problems) lines.push(`  ${p.line}行目 line ${p.line}${p.column ? ` [${p.column}]` : ''} ${p.severity === 'error' ? '誤り error' : '警告 warning'}: ${p.message}`);
  for (const m of r.missing.slice(0, 50)) lines.push(`  ファイルにない（削除しません） missing (kept): ${m.id} ${m.name}`);
  if (r.missing.length > 50) lines.push(`  … ${r.missing.length - 50} more`);
  if (errors > 0) lines.push('誤りがあるため何も取り込みませんでした / Nothing was imported because of the errors');
  else if (r.dryRun) lines.push('検査のみ（--dry-run）：何も書き込んでいません / Dry run: nothing was written');
  else lines.push(`取り込みました / imported ${r.imported} rows`);
  return lines;
}

export const facilitiesImportCommand: CliCommand = {
  name: 'facilities import',
  usage: 'facilities import FILE [--dry-run]        公共施設一覧（CSV）を取り込む / import public facilities',
  options: { 'dry-run': { type: 'boolean' } },
  async run(ctx) {
    const file = ctx.args[0];
    if (!file) throw new AppError('bad_request', { ja: 'ファイルを指定してください: facilities import FILE [--dry-run]', en: 'Usage: facilities import FILE [--dry-run]' });
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new AppError('bad_request', { ja: `ファイル ${file} を読めません`, en: `Cannot read ${file}` });
    }
    const tenant = await ctx.tenant();
    const result = await importFacilities(ctx.db, tenant, { id: null, label: 'cli' }, bytes, { dryRun: ctx.options['dry-run'] === true, today: todayJst(ctx.clock.now()) });
    for (const line of importReport(file, result)) ctx.print(line);
    if (result.problems.some((p) => p.severity === 'error')) {
      throw new AppError('validation', { ja: `${file} に誤りがあります（何も取り込んでいません）`, en: `${file} has errors; nothing was imported` });
    }
  },
};
