/** `hibiki groups import FILE [--dry-run]`: a city's existing registry as CSV. */
import { readFileSync } from 'node:fs';
import { AppError } from '../../core/errors.ts';
import type { CliCommand } from '../module.ts';
import { importRegistry } from './groups.import.ts';

export const groupsCli: CliCommand[] = [
  {
    name: 'groups import',
    usage: 'groups import FILE [--dry-run]            既存の団体登録簿（CSV）を取り込む / import an existing group registry (CSV)',
    options: { 'dry-run': { type: 'boolean' } },
    async run(ctx) {
      const file = ctx.args[0];
      if (!file) throw new AppError('bad_request', { ja: 'ファイルを指定してください: groups import FILE', en: 'Usage: groups import FILE [--dry-run]' });
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        throw new AppError('bad_request', { ja: `ファイル ${file} を読めません`, en: `Cannot read ${file}` });
      }
      const tenant = await ctx.tenant();
      const dryRun = ctx.options['dry-run'] === true;
      const result = await importRegistry(ctx.deps, tenant, null, bytes, { dryRun, lang: 'ja', actorLabel: 'cli' });
      for (const p of result.problems) ctx.print(`${p.severity === 'error' ? 'エラー / error' : '注意 / warning'}: ${p.line}行目 / line ${p.line}${p.column ? ` [${p.column}]` : ''}: ${p.message}`);
      const errors = result.problems.filter((p) => p.severity === 'error').length;
      if (errors > 0) throw new AppError('validation', { ja: `${errors}件のエラーがあるため取り込みませんでした`, en: `${errors} errors: nothing was imported` });
      ctx.print(dryRun ? `確認のみ: ${result.rows}行を取り込めます / dry run: ${result.rows} rows can be imported` : `${result.imported}団体を取り込みました / imported ${result.imported} groups into ${tenant.code}`);
    },
  },
];
