/**
 * The demo tenant: Maebashi (前橋市), its departments and every module's demo data (clearly
 * marked as demonstration data wherever it shows). Idempotent: running it again changes
 * nothing that is already there.
 */
import type { Config } from './core/config.ts';
import type { Db } from './core/db/database.ts';
import { ensureDepartment, ensureTenant, type Tenant } from './core/tenancy.ts';
import type { AppDeps } from './modules/module.ts';
import type { Platform } from './platform.ts';

export const DEMO_TENANT = { code: 'maebashi', nameJa: '前橋市', nameEn: 'Maebashi City', hostnames: [] as string[] };

/** 課 — the demo tenant's departments (DESIGN.md). */
export const DEMO_DEPARTMENTS = [
  { code: 'seisaku-suishin', nameJa: '政策推進課', nameEn: 'Policy Promotion Division' },
  { code: 'shimin-kyodo', nameJa: '市民協働課', nameEn: 'Citizen Collaboration Division' },
  { code: 'joho-seisaku', nameJa: '情報政策課', nameEn: 'Information Policy Division' },
  { code: 'shisan-keiei', nameJa: '資産経営課', nameEn: 'Asset Management Division' },
  { code: 'zaisei', nameJa: '財政課', nameEn: 'Finance Division' },
  { code: 'shokuin', nameJa: '職員課', nameEn: 'Personnel Division' },
] as const;

/** Seeds the demo tenant; returns it and the lines worth printing (demo log-ins). */
export async function seedDemo(db: Db, platform: Platform, deps: AppDeps): Promise<{ tenant: Tenant; notes: string[] }> {
  return db.transaction(async (tx) => {
    const tenant = await ensureTenant(tx, DEMO_TENANT);
    for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
    const notes: string[] = [];
    for (const module of platform.modules) {
      const lines = await module.seedDemo?.(tx, tenant, { config: deps.config, clock: deps.clock, deps });
      if (lines) notes.push(...lines);
    }
    return { tenant, notes };
  });
}

/** True when the server listens on a loopback address only (a developer's machine). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether a first start on an empty database seeds the demo: as HIBIKI_DEMO says, and when
 * it is unset only on loopback — a server others can reach never gets the demo accounts,
 * whose passwords are published, unless the operator asks for them.
 */
export function shouldSeedDemo(config: Pick<Config, 'demo' | 'host'>): boolean {
  return config.demo === 'auto' ? isLoopbackHost(config.host) : config.demo;
}
