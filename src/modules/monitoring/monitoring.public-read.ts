/**
 * The module's public reads through core's versioned cache: they depend on the monitoring
 * scope and on the minute (a system whose runner stopped turns "unknown" without any write).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { todayJst } from '../../core/dates.ts';
import { sendPublicRead } from '../../core/public-read.ts';
import type { AppDeps } from '../module.ts';
import type { CheckRow } from './monitoring.repository.ts';
import { MONITORING_SCOPE, selfCheckUrl } from './monitoring.runner.ts';

export function sendMonitoringRead(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, type: string, produce: () => Promise<string | Buffer>) {
  const now = deps.clock.now();
  const today = `${todayJst(now)}|${Math.floor(now.getTime() / 60_000)}`;
  return sendPublicRead(deps.db, request, reply, { scopes: [MONITORING_SCOPE], type, today, produce });
}

/** The URL a check calls (Hibiki's own follows the configured public URL). */
export function effectiveUrl(deps: Pick<AppDeps, 'config'>, c: CheckRow): string {
  return c.is_self ? selfCheckUrl(deps.config.publicUrl) : c.url;
}
