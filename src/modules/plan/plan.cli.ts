/** `hibiki plan import FILE`: reads a JSON or YAML plan document and imports it. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../../core/errors.ts';
import type { CliCommand } from '../module.ts';
import { importPlan } from './plan.service.ts';

export const planImportCommand: CliCommand = {
  name: 'plan import',
  usage: 'plan import FILE                          計画（JSON/YAML）を取り込む / import a plan document',
  async run(ctx) {
    const file = ctx.args[0];
    if (!file) throw new AppError('bad_request', { ja: 'ファイルを指定してください: plan import FILE', en: 'Usage: plan import FILE' });
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new AppError('bad_request', { ja: `ファイル ${file} を読めません`, en: `Cannot read ${file}` });
    }
    let doc: unknown;
    try {
      doc = /\.ya?ml$/i.test(file) ? parseYaml(text, { uniqueKeys: false, maxAliasCount: 100 }) : JSON.parse(text);
    } catch (err) {
      throw new AppError('bad_request', { ja: `${file} は JSON/YAML として読めません`, en: `${file} is not valid JSON/YAML: ${(err as Error).message}` });
    }
    const tenant = await ctx.tenant();
    const result = await importPlan(ctx.db, ctx.deps, tenant, { id: null, label: 'cli' }, doc, 'ja');
    ctx.print(`imported plan ${result.code} into ${tenant.code}`);
  },
};
