/** The monitoring JSON API and open data. Routes validate, authorise, call one service function. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { stringify } from 'csv-stringify/sync';
import { access } from '../../core/access.ts';
import { requireRole, requireUser } from '../../core/auth.ts';
import { fiscalYearOf, fiscalYearStart, todayJst } from '../../core/dates.ts';
import { CSV_TYPE, JSON_TYPE } from '../../core/public-read.ts';
import type { AppDeps } from '../module.ts';
import * as checks from './monitoring.checks.ts';
import * as incidents from './monitoring.incidents.ts';
import * as maintenance from './monitoring.maintenance.ts';
import { monitoringPageRoutes } from './monitoring.pages.ts';
import * as report from './monitoring.report.ts';
import * as repo from './monitoring.repository.ts';
import { effectiveUrl, sendMonitoringRead } from './monitoring.public-read.ts';
import {
  AnnotationSchema,
  AvailabilityQuery,
  checkItem,
  CreateCheckSchema,
  figureItem,
  IdParam,
  incidentItem,
  IncidentListQuery,
  ListQuery,
  MaintenanceSchema,
  maintenanceItem,
  UpdateCheckSchema,
} from './monitoring.schema.ts';

const bearer = [{ bearer: [] }];
const tags = ['monitoring'];
const PUBLIC = { access: access.public };
const ADMINS = { access: access.admins };
const STAFF = { access: access.staff };

/** A cell a spreadsheet will not run as a formula. */
function csvSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function monitoringRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = (request: FastifyRequest) => requireRole(request.auth, ['admin']);
  const itemsOf = async (tenantId: string, rows: repo.CheckRow[]) => {
    const states = await report.currentStates(db, tenantId, rows, deps.clock.now());
    return rows.map((c) => checkItem(c, effectiveUrl(deps, c), states.get(c.id)!));
  };

  // ------------------------------------------------------------------ checks (administrators)

  api.post(
    '/api/v1/monitoring/checks',
    { config: ADMINS, schema: { summary: '監視の追加 / Add a check', tags, security: bearer, body: CreateCheckSchema } },
    async (request, reply) => {
      const check = await checks.createCheck(deps, request.tenant, admin(request), request.body, request.lang);
      const [item] = await itemsOf(request.tenant.id, [check]);
      return reply.code(201).header('location', `/api/v1/monitoring/checks/${check.id}`).send(item);
    },
  );

  api.get(
    '/api/v1/monitoring/checks',
    { config: ADMINS, schema: { summary: '監視の一覧 / Checks', tags, security: bearer, querystring: ListQuery } },
    async (request) => {
      const rows = await checks.checksForAdmin(deps, request.tenant, admin(request));
      const page = rows.slice(request.query.offset, request.query.offset + request.query.limit);
      return { total: rows.length, items: await itemsOf(request.tenant.id, page) };
    },
  );

  api.get('/api/v1/monitoring/checks/:id', { config: ADMINS, schema: { summary: '監視 / A check', tags, security: bearer, params: IdParam } }, async (request) => {
    admin(request);
    const [item] = await itemsOf(request.tenant.id, [await checks.getCheck(db, request.tenant.id, request.params.id)]);
    return item;
  });

  api.patch(
    '/api/v1/monitoring/checks/:id',
    { config: ADMINS, schema: { summary: '監視の変更・停止・再開 / Change, pause or resume a check', tags, security: bearer, params: IdParam, body: UpdateCheckSchema } },
    async (request) => {
      const check = await checks.updateCheck(deps, request.tenant, admin(request), request.params.id, request.body, request.lang);
      const [item] = await itemsOf(request.tenant.id, [check]);
      return item;
    },
  );

  api.delete(
    '/api/v1/monitoring/checks/:id',
    { config: ADMINS, schema: { summary: '記録のない監視の削除 / Delete a check without history', tags, security: bearer, params: IdParam } },
    async (request, reply) => {
      await checks.deleteCheck(deps, request.tenant, admin(request), request.params.id);
      return reply.code(204).send();
    },
  );

  api.get(
    '/api/v1/monitoring/checks/:id/results',
    { config: ADMINS, schema: { summary: '監視結果（生データ） / Raw results of a check', tags, security: bearer, params: IdParam, querystring: ListQuery } },
    async (request) => {
      const { total, rows } = await checks.checkResults(db, request.tenant.id, admin(request), request.params.id, request.query.limit, request.query.offset);
      return {
        total,
        items: rows.map((r) => ({
          checkedAt: r.checked_at.toISOString(),
          ok: r.ok,
          state: r.state,
          statusCode: r.status_code,
          latencyMs: r.latency_ms,
          detail: r.detail,
          inMaintenance: r.in_maintenance,
        })),
      };
    },
  );

  api.get(
    '/api/v1/monitoring/checks/:id/incidents',
    { config: ADMINS, schema: { summary: '監視の障害（職員向けの詳細付き） / Incidents of a check, with detail', tags, security: bearer, params: IdParam, querystring: ListQuery } },
    async (request) => {
      admin(request);
      await checks.getCheck(db, request.tenant.id, request.params.id);
      const { total, rows } = await repo.listIncidents(db, request.tenant.id, { checkIds: [request.params.id], limit: request.query.limit, offset: request.query.offset });
      return { total, items: rows.map((i) => incidentItem(i, 'staff')) };
    },
  );

  // ------------------------------------------------------------------ maintenance

  api.post(
    '/api/v1/monitoring/maintenance',
    { config: ADMINS, schema: { summary: '計画メンテナンスの登録 / Plan a maintenance window', tags, security: bearer, body: MaintenanceSchema } },
    async (request, reply) => {
      const m = await maintenance.planMaintenance(deps, request.tenant, admin(request), request.body, request.lang);
      const names = new Map((await repo.listChecks(db, request.tenant.id)).map((c) => [c.id, c.name]));
      return reply.code(201).send(maintenanceItem(m, names, deps.clock.now()));
    },
  );

  api.post(
    '/api/v1/monitoring/maintenance/:id/stop',
    { config: ADMINS, schema: { summary: '計画メンテナンスの中止・終了 / Cancel or end a window', tags, security: bearer, params: IdParam } },
    async (request) => {
      const m = await maintenance.stopMaintenance(deps, request.tenant, admin(request), request.params.id);
      const names = new Map((await repo.listChecks(db, request.tenant.id)).map((c) => [c.id, c.name]));
      return maintenanceItem(m, names, deps.clock.now());
    },
  );

  api.get(
    '/api/v1/monitoring/maintenance',
    { config: PUBLIC, schema: { summary: '予定・実施中の計画メンテナンス / Upcoming and current maintenance', tags } },
    async (request, reply) =>
      sendMonitoringRead(deps, request, reply, JSON_TYPE, async () => {
        const overview = await report.statusOverview(db, request.tenant.id, deps.clock.now());
        const names = new Map(overview.systems.map((s) => [s.check.id, s.check.name]));
        const items = overview.maintenance.map((m) => maintenanceItem(m, names, overview.now));
        return JSON.stringify({ total: items.length, items });
      }),
  );

  // ------------------------------------------------------------------ availability and status (public)

  api.get(
    '/api/v1/monitoring/availability',
    { config: PUBLIC, schema: { summary: '可用性（稼働率） / Availability', tags, querystring: AvailabilityQuery } },
    async (request, reply) =>
      sendMonitoringRead(deps, request, reply, JSON_TYPE, async () => {
        const { fromDay, toDay, result, unpublishedCounted } = await report.publicAvailability(db, request.tenant.id, request.query, deps.clock.now(), request.lang);
        return JSON.stringify({
          from: fromDay,
          to: toDay,
          unit: '%',
          ...figureItem(result.overall),
          checks: result.systems
            .filter((s) => s.check.published)
            .map((s) => ({ id: s.check.id, name: s.check.name, counted: s.check.counted, ...figureItem(s) })),
          unpublishedCounted,
          ...(request.query.by
            ? { series: result.buckets.map((b) => ({ period: b.key, ...figureItem(b.overall) })) }
            : {}),
        });
      }),
  );

  api.get('/api/v1/monitoring/status', { config: PUBLIC, schema: { summary: '現在の稼働状況 / Current status', tags } }, async (request, reply) =>
    sendMonitoringRead(deps, request, reply, JSON_TYPE, async () => {
      const o = await report.statusOverview(db, request.tenant.id, deps.clock.now());
      const names = new Map(o.systems.map((s) => [s.check.id, s.check.name]));
      return JSON.stringify({
        at: o.now.toISOString(),
        systems: o.systems.map((s) => ({ id: s.check.id, name: s.check.name, state: s.state, counted: s.check.counted, demo: s.demo, last90Days: figureItem(s.figure) })),
        incidents: o.live.map((i) => incidentItem(i, 'public')),
        maintenance: o.maintenance.map((m) => maintenanceItem(m, names, o.now)),
      });
    }),
  );

  api.get(
    '/api/v1/monitoring/incidents',
    { config: PUBLIC, schema: { summary: '障害の一覧（公開分） / Incidents (public)', tags, querystring: IncidentListQuery } },
    async (request, reply) =>
      sendMonitoringRead(deps, request, reply, JSON_TYPE, async () => {
        const status = request.query.status === 'unannotated' ? undefined : request.query.status;
        const { total, rows } = await incidents.publicIncidents(db, request.tenant.id, { status, limit: request.query.limit, offset: request.query.offset });
        return JSON.stringify({ total, items: rows.map((i) => incidentItem(i, 'public')) });
      }),
  );

  api.get('/api/v1/monitoring/incidents/:id', { config: PUBLIC, schema: { summary: '障害 / An incident', tags, params: IdParam } }, async (request) => {
    const user = request.auth.user && request.auth.mfaPassed ? request.auth.user : null;
    const found = await repo.findIncident(db, request.tenant.id, request.params.id);
    if (user && found && incidents.canSeeAsStaff(user, found)) return incidentItem(found, 'staff');
    return incidentItem(await incidents.publicIncident(db, request.tenant.id, request.params.id), 'public');
  });

  api.patch(
    '/api/v1/monitoring/incidents/:id',
    { config: STAFF, schema: { summary: '障害の原因・対応の記入と公開 / Annotate and publish an incident', tags, security: bearer, params: IdParam, body: AnnotationSchema } },
    async (request) => {
      const user = requireUser(request.auth);
      return incidentItem(await incidents.annotateIncident(deps, request.tenant, user, request.params.id, request.body, request.lang), 'staff');
    },
  );

  // ------------------------------------------------------------------ open data

  const openData = async (request: FastifyRequest) => {
    const now = deps.clock.now();
    const fy = fiscalYearOf(todayJst(now));
    const { result } = await report.publicAvailability(db, request.tenant.id, { from: fiscalYearStart(fy - 1), by: 'month' }, now, request.lang);
    const published = result.systems.filter((s) => s.check.published);
    const rows = result.buckets.flatMap((b) => [
      { month: b.key, system: '（対象システム全体）/ all counted systems', counted: true, ...figureItem(b.overall) },
      ...published.map((s) => ({ month: b.key, system: s.check.name, counted: s.check.counted, ...figureItem(b.systems.get(s.check.id)!) })),
    ]);
    return rows;
  };

  app.get('/opendata/monitoring/availability.json', { config: PUBLIC, schema: { summary: 'オープンデータ：月別の可用性（JSON） / Open data: monthly availability', tags: ['opendata'] } }, async (request, reply) =>
    sendMonitoringRead(deps, request, reply, JSON_TYPE, async () => JSON.stringify({ items: await openData(request) })),
  );

  app.get('/opendata/monitoring/availability.csv', { config: PUBLIC, schema: { summary: 'オープンデータ：月別の可用性（CSV） / Open data: monthly availability (CSV)', tags: ['opendata'] } }, async (request, reply) => {
    reply.header('content-disposition', 'attachment; filename="monitoring-availability.csv"');
    return sendMonitoringRead(deps, request, reply, CSV_TYPE, async () => {
      const rows = await openData(request);
      const csv = stringify(
        rows.map((r) => [r.month, csvSafe(r.system), r.counted ? 1 : 0, r.availability ?? '', r.upSeconds, r.downSeconds, r.unknownSeconds, r.maintenanceSeconds, r.demo ? 1 : 0]),
        { header: true, columns: ['月 month', 'システム system', '指標対象 counted', '可用性% availability', '稼働秒 up_seconds', '停止秒 down_seconds', '不明秒 unknown_seconds', '計画停止秒 maintenance_seconds', 'デモ demo'] },
      );
      return `\ufeff${csv}`;
    });
  });

  monitoringPageRoutes(app, deps);
}
