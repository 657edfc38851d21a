/** `hibiki plan import FILE`: reads a JSON or YAML plan document and imports it. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { importPlan } from './plan.service.ts';

/** Imports FILE into tenant, printing the result; throws AppError listing every problem. */
export async function importPlanFile(db: Db, tenant: Tenant, file: string | undefined): Promise<void> {
  if (!file) throw new AppError('bad_request', { ja: 'ファイルを指定してください: plan import FILE', en: 'Usage: plan import FILE' });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AppError('bad_request', { ja: `ファイル ${file} を読めません`, en: `Cannot read ${file}` });
  }
  let doc: unknown;
  try {
    doc = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new AppError('bad_request', { ja: `${file} は JSON/YAML として読めません`, en: `${file} is not valid JSON/YAML: ${(err as Error).message}` });
  }
  const result = await importPlan(db, tenant, { id: null, label: 'cli' }, doc, 'ja');
  console.log(`imported plan ${result.code} into ${tenant.code}`);
}
