/**
 * The plan's public reads (API, open data, and pages for visitors who are not signed in),
 * through core's versioned body cache: they depend on the plan's own data version, on the
 * versions of the scopes of every metric bound to its indicators (an approved group
 * registration or an implemented proposal shows at once), and on the date.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from '../../core/db/database.ts';
import { sendPublicRead } from '../../core/public-read.ts';
import { planScopes, todayOf, type PlanEnv } from './plan.service.ts';

export { CSV_TYPE, HTML_TYPE, JSON_TYPE } from '../../core/public-read.ts';

/** Sends a public read of the current plan (or of planCode); produce() runs only on a cache miss. */
export async function sendPlanRead(
  db: Sql,
  env: PlanEnv,
  request: FastifyRequest,
  reply: FastifyReply,
  type: string,
  produce: () => Promise<string>,
  planCode?: string,
  /** Scopes beyond the plan's own that this read shows (e.g. other modules' section panels). */
  extraScopes: readonly string[] = [],
): Promise<FastifyReply> {
  const scopes = await planScopes(db, env, request.tenant.id, planCode, request);
  return sendPublicRead(db, request, reply, { scopes: [...scopes, ...extraScopes], type, today: todayOf(env), produce });
}
