/**
 * The authorisation table: each module lists its routes with who may reach them in
 * src/modules/<name>/access-table.ts ([method, url, access], access as describeAccess() writes
 * it: "public", "session", "user" or the roles joined by "|" in alphabetical order).
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type AccessRow = readonly [method: string, url: string, access: string];

/** Core's own routes. */
export const coreAccessTable: AccessRow[] = [
  ['GET', '/healthz', 'public'],
  ['GET', '/assets/hibiki.css', 'public'],
  ['GET', '/assets/favicon.svg', 'public'],
  ['GET', '/favicon.ico', 'public'],
];

/** Every module's table, by module folder. */
export async function loadAccessTables(): Promise<Map<string, AccessRow[]>> {
  const modulesDir = path.resolve(import.meta.dirname, '../modules');
  const tables = new Map<string, AccessRow[]>([['core', coreAccessTable]]);
  for (const name of readdirSync(modulesDir).sort()) {
    const file = path.join(modulesDir, name, 'access-table.ts');
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as { accessTable?: AccessRow[] };
    if (!mod.accessTable) throw new Error(`${file} exports no accessTable`);
    tables.set(name, mod.accessTable);
  }
  return tables;
}
