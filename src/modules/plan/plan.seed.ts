/**
 * Demo content: the chapter-6 plan as its exchange document, plus a few demonstration actuals,
 * marked as demo wherever shown. The texts are the plan's own, with only these normalisations
 * of the extracted text: list bullets and the ◎ of visions dropped; superscript footnote
 * markers written *1, *2 (they link to the glossary); the stray space in 「個人情報 を」
 * removed; the chapter title's half-width " (協働・行政経営)" written with full-width
 * parentheses; thousands separators dropped from figures, and 38.0 % / 43.0 % / 26.0 万円 held
 * as the numbers 38, 43 and 26 (the written precision is not kept).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../../core/db/database.ts';
import { appendAudit } from '../../core/audit.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { SeedContext } from '../module.ts';
import { parsePlanDocument, PLAN_SCOPE } from './plan.service.ts';
import { findPlanByCode, insertPlanDocument } from './plan.repository.ts';

const seedFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed', 'maebashi-6.plan.json');

/** Demonstration actuals (not the city's figures): value by indicator code and fiscal-year end. */
const DEMO_ACTUALS: Record<string, [string, number][]> = {
  '6-1-1': [['2014-03-31', 226], ['2015-03-31', 233], ['2016-03-31', 238], ['2017-03-31', 244]],
  '6-1-2': [['2014-03-31', 18], ['2015-03-31', 20], ['2016-03-31', 21], ['2017-03-31', 23]],
  '6-1-3': [['2014-03-31', 39.2], ['2015-03-31', 40.1], ['2016-03-31', 40.8], ['2017-03-31', 41.5]],
  '6-2-1': [['2013-04-01', 2770], ['2014-04-01', 2741], ['2015-04-01', 2718], ['2016-04-01', 2690]],
  '6-2-2': [['2014-03-31', 5905210], ['2015-03-31', 5898430], ['2016-03-31', 5920115], ['2017-03-31', 5889870]],
  '6-2-3': [['2014-03-31', 29.6], ['2015-03-31', 29.1], ['2016-03-31', 28.4], ['2017-03-31', 27.9]],
  '6-3-1': [['2014-03-31', 244980], ['2015-03-31', 246310], ['2016-03-31', 247950], ['2017-03-31', 249200]],
  '6-3-2': [['2014-03-31', 99.98], ['2015-03-31', 99.985], ['2016-03-31', 99.99], ['2017-03-31', 99.987]],
};

/** Reads the chapter-6 plan document with the demo actuals added. */
export function demoPlanDocument(): unknown {
  const doc = JSON.parse(readFileSync(seedFile, 'utf8')) as {
    chapters: { sections: { indicators: { code: string; actuals: unknown[] }[] }[] }[];
  };
  for (const ind of doc.chapters.flatMap((c) => c.sections.flatMap((s) => s.indicators))) {
    ind.actuals = (DEMO_ACTUALS[ind.code] ?? []).map(([asOf, value]) => ({ value, asOf, note: 'デモデータ（実際の数値ではありません） / demo data' }));
  }
  return doc;
}

/**
 * Seeds the demo plan once; later runs leave it as it is, except that indicators without a
 * responsible department or written precision get the ones the demo document names (plans
 * seeded before indicators carried them).
 */
export async function seedDemoPlan(tx: Sql, tenant: Tenant, ctx: SeedContext): Promise<string[]> {
  const doc = parsePlanDocument(demoPlanDocument(), 'ja', ctx.deps.metrics);
  const existing = await findPlanByCode(tx, tenant.id, doc.code);
  if (existing) {
    let changed = false;
    for (const ind of doc.chapters.flatMap((c) => c.sections.flatMap((s) => s.indicators))) {
      if (ind.department) {
        await tx.query(
          'update indicators set department_code = $3 where tenant_id = $1 and plan_id = $2 and code = $4 and department_code is null',
          [tenant.id, existing.id, ind.department, ind.code],
        );
      }
      // Plans seeded before indicators carried their written precision.
      if (ind.decimals !== undefined) {
        const updated = await tx.query(
          'update indicators set decimals = $3 where tenant_id = $1 and plan_id = $2 and code = $4 and decimals is null returning id',
          [tenant.id, existing.id, ind.decimals, ind.code],
        );
        changed ||= updated.length > 0;
      }
    }
    if (changed) await bumpDataVersion(tx, tenant.id, PLAN_SCOPE);
    return [];
  }
  await insertPlanDocument(tx, tenant.id, doc, 'seed', { demoActuals: true });
  await bumpDataVersion(tx, tenant.id, PLAN_SCOPE);
  await appendAudit(tx, { tenantId: tenant.id, actorId: null, actorLabel: 'seed', action: 'plan.import', entityType: 'plan', entityId: doc.code, details: { demo: true } });
  return [];
}
