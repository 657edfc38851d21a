/**
 * The demo tenant: Maebashi (前橋市), with every module's demo data. Idempotent: running it
 * again changes nothing that is already there.
 */
import type { Config } from './core/config.ts';
import type { Db } from './core/db/database.ts';
import { ensureTenant, type Tenant } from './core/tenancy.ts';
import { modules } from './modules/index.ts';

export const DEMO_TENANT = { code: 'maebashi', nameJa: '前橋市', nameEn: 'Maebashi City', hostnames: ['localhost', '127.0.0.1'] };

/** Seeds the demo tenant; returns it and the lines worth printing (demo log-ins). */
export async function seedDemo(db: Db, config: Config): Promise<{ tenant: Tenant; notes: string[] }> {
  return db.transaction(async (tx) => {
    const tenant = await ensureTenant(tx, DEMO_TENANT);
    const notes: string[] = [];
    for (const module of modules) {
      const lines = await module.seedDemo?.(tx, tenant, { config });
      if (lines) notes.push(...lines);
    }
    return { tenant, notes };
  });
}
