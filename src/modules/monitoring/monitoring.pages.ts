/**
 * The monitoring pages: the public status page (/status) with its incident pages and Atom
 * feed; the administrators' pages for checks and planned maintenance; the staff pages for
 * annotating incidents. Every page works without JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { fiscalYearOf, fiscalYearStart, todayJst, addDays, formatBothFiscalYear } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { HTML_TYPE } from '../../core/public-read.ts';
import { listDepartments } from '../../core/tenancy.ts';
import { inFieldOrder } from '../../core/validation.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import type { PageData } from '../../core/web.ts';
import type { AppDeps } from '../module.ts';
import { jstDayStart } from './monitoring.availability.ts';
import { historyChart } from './monitoring.chart.ts';
import * as checks from './monitoring.checks.ts';
import { incidentFeed } from './monitoring.feed.ts';
import { dateText, instantText, percentText } from './monitoring.format.ts';
import {
  ANNOTATION_FIELDS,
  CHECK_FIELDS,
  MAINTENANCE_FIELDS,
  newCheckValues,
  readAnnotationForm,
  readCheckForm,
  readMaintenanceForm,
  type AnnotationFormValues,
  type CheckFormValues,
  type MaintenanceFormValues,
} from './monitoring.forms.ts';
import * as incidents from './monitoring.incidents.ts';
import * as maintenance from './monitoring.maintenance.ts';
import { canManageChecks, canUseIncidentPages } from './monitoring.policy.ts';
import * as report from './monitoring.report.ts';
import * as repo from './monitoring.repository.ts';
import { effectiveUrl, sendMonitoringRead } from './monitoring.public-read.ts';
import { RAW_RETENTION_SETTING } from './monitoring.runner.ts';
import { LIMITS } from './monitoring.schema.ts';
import { checkView, figureView, incidentView, isJapanese, maintenanceView, stateView } from './monitoring.view-model.ts';
import './monitoring.messages.ts';

const hidden = { hide: true };
const PUBLIC = { access: access.public };
const ADMINS = { access: access.admins };
const STAFF = { access: access.staff };
const IdParam = z.object({ id: z.uuid() });
const DoneQuery = z.object({ done: z.enum(['created', 'saved', 'deleted', 'planned', 'stopped', 'paused']).optional().catch(undefined) });

function adminUser(request: FastifyRequest): AuthUser {
  const user = requireUser(request.auth);
  if (!canManageChecks(user)) throw new AppError('forbidden');
  return user;
}

function staffUser(request: FastifyRequest): AuthUser {
  const user = requireUser(request.auth);
  if (!canUseIncidentPages(user)) throw new AppError('forbidden');
  return user;
}

const home = (lang: Lang): Breadcrumb => ({ href: '/', label: translate(lang, 'shell.home') });
const adminCrumbs = (lang: Lang, ...rest: Breadcrumb[]): Breadcrumb[] => [
  home(lang),
  { href: '/admin', label: translate(lang, 'monitoring.crumb.admin') },
  { href: '/admin/monitoring', label: translate(lang, 'monitoring.admin.title') },
  ...rest,
];
const staffCrumbs = (lang: Lang, ...rest: Breadcrumb[]): Breadcrumb[] => [home(lang), { href: '/staff/monitoring/incidents', label: translate(lang, 'monitoring.incidents.title') }, ...rest];

/** The site's own base URL as this request reached it (feed links). */
function baseUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export function monitoringPageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();

  /** A public page: cached for visitors who are not signed in (same for all of them). */
  const publicPage = async (request: FastifyRequest, reply: FastifyReply, template: string, build: () => Promise<PageData>) => {
    if (request.auth.user) return reply.page(template, await build());
    return sendMonitoringRead(deps, request, reply, HTML_TYPE, async () => reply.pageHtml(template, await build()));
  };

  // ---------------------------------------------------------------- public

  pages.get('/status', { schema: hidden, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, 'monitoring/views/status.njk', async () => {
      const lang = request.lang;
      const now = deps.clock.now();
      const o = await report.statusOverview(db, request.tenant.id, now);
      const names = new Map(o.systems.map((s) => [s.check.id, s.check.name]));
      const chart = o.systems.length ? await historyChart(o.days, o.systems.map((s) => ({ name: s.check.name, daily: s.daily })), lang) : null;
      const title = translate(lang, 'monitoring.status.title');
      const down = o.systems.filter((s) => s.state === 'down').length;
      return {
        title,
        updated: instantText(now, lang),
        demo: o.demo,
        headline: o.systems.length === 0 ? 'none' : down > 0 ? 'down' : o.systems.every((s) => s.state === 'up' || s.state === 'maintenance') ? 'up' : 'partial',
        downCount: down,
        systems: o.systems.map((s) => ({ name: s.check.name, nameJa: isJapanese(s.check.name), state: stateView(s.state, lang), figure: figureView(s.figure, lang), counted: s.check.counted, demo: s.demo })),
        overall: figureView(o.overall, lang),
        live: o.live.map((i) => incidentView(i, lang, now, 'public')),
        recent: o.recent.map((i) => incidentView(i, lang, now, 'public')),
        maintenance: o.maintenance.map((m) => maintenanceView(m, names, now, lang)),
        chart: chart?.svg ?? null,
        chartTitle: chart?.title ?? '',
        historyColumns: o.systems.map((s) => ({ name: s.check.name, ja: isJapanese(s.check.name) })),
        historyRows: o.days
          .map((day, d) => ({ day: dateText(day, lang), values: o.systems.map((s) => percentText(s.daily[d] ?? null, lang)) }))
          .reverse(),
        historyDays: o.days.length,
        breadcrumbs: [home(lang), { label: title }],
      };
    }),
  );

  pages.get('/status/incidents/:id', { schema: { ...hidden, params: IdParam }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, 'monitoring/views/incident.njk', async () => {
      const lang = request.lang;
      const incident = await incidents.publicIncident(db, request.tenant.id, request.params.id);
      const view = incidentView(incident, lang, deps.clock.now(), 'public');
      const title = translate(lang, 'monitoring.incident.title', { system: view.system });
      return {
        title,
        incident: view,
        breadcrumbs: [home(lang), { href: '/status', label: translate(lang, 'monitoring.status.title') }, { label: title }],
      };
    }),
  );

  pages.get('/status/feed.atom', { schema: hidden, config: PUBLIC }, async (request, reply) =>
    sendMonitoringRead(deps, request, reply, 'application/atom+xml; charset=utf-8', async () => {
      const lang = request.lang;
      const now = deps.clock.now();
      const { rows } = await incidents.publicIncidents(db, request.tenant.id, { limit: 50, offset: 0 });
      const views = rows.map((i) => incidentView(i, lang, now, 'public'));
      const updated = views.reduce((a, v) => (v.updated > a ? v.updated : a), new Date(0));
      const base = baseUrlOf(request);
      return incidentFeed({
        base,
        feedUrl: `${base}/status/feed.atom`,
        tenantName: lang === 'ja' ? request.tenant.nameJa : request.tenant.nameEn,
        incidents: views,
        updated: views.length ? updated : now,
        lang,
      });
    }),
  );

  // ---------------------------------------------------------------- administrators: checks

  pages.get('/admin/monitoring', { schema: { ...hidden, querystring: DoneQuery }, config: ADMINS }, async (request, reply) => {
    const user = adminUser(request);
    const lang = request.lang;
    const now = deps.clock.now();
    const rows = await checks.checksForAdmin(deps, request.tenant, user);
    const states = await report.currentStates(db, request.tenant.id, rows, now);
    const fy = fiscalYearOf(todayJst(now));
    const year = await report.availabilityOf(db, request.tenant.id, rows, { from: new Date(jstDayStart(fiscalYearStart(fy))), to: now, now });
    const byId = new Map(year.systems.map((s) => [s.check.id, s]));
    const title = translate(lang, 'monitoring.admin.title');
    return reply.page('monitoring/views/admin-index.njk', {
      title,
      done: request.query.done ?? null,
      fiscalYear: formatBothFiscalYear(fy),
      overall: figureView(year.overall, lang),
      checks: rows.map((c) => ({ ...checkView(c, effectiveUrl(deps, c), states.get(c.id)!, lang), year: figureView(byId.get(c.id)!, lang) })),
      demo: rows.some((c) => c.is_demo),
      retentionDays: await deps.settings.get<number>(db, request.tenant.id, RAW_RETENTION_SETTING),
      breadcrumbs: adminCrumbs(lang).slice(0, -1).concat({ label: title }),
    });
  });

  async function renderCheckForm(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { values: CheckFormValues; errors: FieldError[]; check: repo.CheckRow | null },
  ) {
    const lang = request.lang;
    const departments = await listDepartments(db, request.tenant.id, { activeOnly: true });
    const departmentOptions = [{ value: '', label: translate(lang, 'monitoring.form.noDepartment') }].concat(
      departments.map((d) => ({ value: d.code, label: lang === 'ja' ? d.nameJa : d.nameEn })),
    );
    const common = {
      values: options.values,
      errors: inFieldOrder(options.errors, CHECK_FIELDS),
      kinds: (['http', 'tcp', 'tls'] as const).map((k) => ({ value: k, label: translate(lang, `monitoring.kind.${k}`) })),
      methods: [
        { value: 'GET', label: 'GET' },
        { value: 'HEAD', label: 'HEAD' },
      ],
      departments: departmentOptions,
      limits: LIMITS,
    };
    const status = options.errors.length ? 400 : 200;
    if (!options.check) {
      const title = translate(lang, 'monitoring.checkNew.title');
      return reply.code(status).page('monitoring/views/check-new.njk', {
        ...common,
        title: formTitle(title, options.errors, lang),
        heading: title,
        breadcrumbs: adminCrumbs(lang, { label: title }),
      });
    }
    const c = options.check;
    const now = deps.clock.now();
    const [states, results, stored, incidentList, hasHistory] = await Promise.all([
      report.currentStates(db, request.tenant.id, [c], now),
      repo.recentResults(db, request.tenant.id, c.id, 30, 0),
      repo.storedRows(db, request.tenant.id, c.id),
      repo.listIncidents(db, request.tenant.id, { checkIds: [c.id], limit: 20, offset: 0 }),
      repo.checkHasHistory(db, request.tenant.id, c.id),
    ]);
    const today = todayJst(now);
    const months = await report.availabilityOf(db, request.tenant.id, [c], {
      from: new Date(jstDayStart(fiscalYearStart(fiscalYearOf(today) - 1))),
      to: now,
      now,
      by: 'month',
      pooled: () => true,
    });
    const years = await report.availabilityOf(db, request.tenant.id, [c], {
      from: new Date(jstDayStart(fiscalYearStart(fiscalYearOf(today) - 1))),
      to: now,
      now,
      by: 'fiscalYear',
      pooled: () => true,
    });
    const title = c.name;
    return reply.code(status).page('monitoring/views/check.njk', {
      ...common,
      title: formTitle(title, options.errors, lang),
      heading: title,
      check: checkView(c, effectiveUrl(deps, c), states.get(c.id)!, lang),
      results: results.map((r) => ({
        at: instantText(r.checked_at, lang),
        state: stateView(r.state, lang),
        statusCode: r.status_code,
        latency: r.latency_ms === null ? null : String(r.latency_ms),
        detail: r.detail,
        maintenance: r.in_maintenance,
      })),
      stored,
      months: months.buckets.map((b) => ({ label: b.key, ...figureView(b.overall, lang) })).reverse(),
      years: years.buckets.map((b) => ({ label: formatBothFiscalYear(Number(b.key)), ...figureView(b.overall, lang) })).reverse(),
      incidents: incidentList.rows.map((i) => incidentView(i, lang, now, 'staff')),
      deletable: !hasHistory,
      done: (request.query as { done?: string }).done ?? null,
      breadcrumbs: adminCrumbs(lang, { label: title }),
    });
  }

  pages.get('/admin/monitoring/checks/new', { schema: hidden, config: ADMINS }, async (request, reply) => {
    adminUser(request);
    return renderCheckForm(request, reply, { values: newCheckValues(), errors: [], check: null });
  });

  pages.post('/admin/monitoring/checks/new', { schema: hidden, config: ADMINS }, async (request, reply) => {
    const user = adminUser(request);
    const { values, input, errors } = readCheckForm(request.body, request.lang);
    const all = [...errors, ...(await checks.checkInputProblems(deps, request.tenant.id, input, request.lang, null)).filter((e) => !errors.some((x) => x.path === e.path))];
    if (all.length) return renderCheckForm(request, reply, { values, errors: all, check: null });
    const check = await checks.createCheck(deps, request.tenant, user, input, request.lang);
    return reply.redirect(`/admin/monitoring/checks/${check.id}?done=created`, 303);
  });

  pages.get('/admin/monitoring/checks/:id', { schema: { ...hidden, params: IdParam, querystring: DoneQuery }, config: ADMINS }, async (request, reply) => {
    adminUser(request);
    const c = await checks.getCheck(db, request.tenant.id, request.params.id);
    return renderCheckForm(request, reply, { values: valuesOf(c), errors: [], check: c });
  });

  pages.post('/admin/monitoring/checks/:id', { schema: { ...hidden, params: IdParam }, config: ADMINS }, async (request, reply) => {
    const user = adminUser(request);
    const c = await checks.getCheck(db, request.tenant.id, request.params.id);
    const { values, input, errors } = readCheckForm(request.body, request.lang);
    // Hibiki's own check keeps its URL: the form shows it but does not send it.
    if (c.is_self) {
      input.url = c.url;
      values.url = c.url;
      const drop = errors.findIndex((e) => e.path === 'url');
      if (drop >= 0) errors.splice(drop, 1);
    }
    const all = [...errors, ...(await checks.checkInputProblems(deps, request.tenant.id, input, request.lang, c)).filter((e) => !errors.some((x) => x.path === e.path))];
    if (all.length) return renderCheckForm(request, reply, { values, errors: all, check: c });
    await checks.updateCheck(deps, request.tenant, user, c.id, input, request.lang);
    return reply.redirect(`/admin/monitoring/checks/${c.id}?done=saved`, 303);
  });

  pages.post('/admin/monitoring/checks/:id/delete', { schema: { ...hidden, params: IdParam }, config: ADMINS }, async (request, reply) => {
    const user = adminUser(request);
    await checks.deleteCheck(deps, request.tenant, user, request.params.id);
    return reply.redirect('/admin/monitoring?done=deleted', 303);
  });

  // ---------------------------------------------------------------- administrators: maintenance

  async function renderMaintenance(request: FastifyRequest, reply: FastifyReply, values: MaintenanceFormValues, errors: FieldError[], done: string | null) {
    const user = adminUser(request);
    const lang = request.lang;
    const now = deps.clock.now();
    const all = await repo.listChecks(db, request.tenant.id);
    const names = new Map(all.map((c) => [c.id, c.name]));
    const { rows } = await maintenance.maintenanceForAdmin(deps, request.tenant, user);
    const title = translate(lang, 'monitoring.maintenance.title');
    return reply.code(errors.length ? 400 : 200).page('monitoring/views/maintenance.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      values,
      errors: inFieldOrder(errors, [...MAINTENANCE_FIELDS, 'systems']),
      systems: all.filter((c) => !c.is_demo).map((c) => ({ id: c.id, name: c.name, checked: values.systems.includes(c.id) })),
      windows: rows.map((m) => maintenanceView(m, names, now, lang)),
      done,
      reasonMax: LIMITS.reason,
      breadcrumbs: adminCrumbs(lang, { label: title }),
    });
  }

  pages.get('/admin/monitoring/maintenance', { schema: { ...hidden, querystring: DoneQuery }, config: ADMINS }, async (request, reply) => {
    adminUser(request);
    const tomorrow = addDays(todayJst(deps.clock.now()), 1);
    return renderMaintenance(request, reply, { start: `${tomorrow}T22:00`, end: `${tomorrow}T23:00`, reason: '', systems: [] }, [], request.query.done ?? null);
  });

  pages.post('/admin/monitoring/maintenance', { schema: hidden, config: ADMINS }, async (request, reply) => {
    const user = adminUser(request);
    const { values, input, errors } = readMaintenanceForm(request.body, request.lang);
    const rules = (await maintenance.maintenanceErrors(deps, request.tenant.id, input, request.lang)).errors.filter((e) => !errors.some((x) => x.path === e.path));
    if (errors.length || rules.length) return renderMaintenance(request, reply, values, [...errors, ...rules], null);
    try {
      await maintenance.planMaintenance(deps, request.tenant, user, input, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return renderMaintenance(request, reply, values, err.errors, null);
      throw err;
    }
    return reply.redirect('/admin/monitoring/maintenance?done=planned', 303);
  });

  pages.post('/admin/monitoring/maintenance/:id/stop', { schema: { ...hidden, params: IdParam }, config: ADMINS }, async (request, reply) => {
    const user = adminUser(request);
    await maintenance.stopMaintenance(deps, request.tenant, user, request.params.id);
    return reply.redirect('/admin/monitoring/maintenance?done=stopped', 303);
  });

  // ---------------------------------------------------------------- staff: incidents

  const IncidentsQuery = z.object({ status: z.enum(['live', 'closed', 'unannotated']).optional().catch(undefined) });

  pages.get('/staff/monitoring/incidents', { schema: { ...hidden, querystring: IncidentsQuery }, config: STAFF }, async (request, reply) => {
    const user = staffUser(request);
    const lang = request.lang;
    const now = deps.clock.now();
    const { total, rows } = await incidents.incidentsForStaff(db, request.tenant.id, user, { status: request.query.status, limit: 100, offset: 0 });
    const title = translate(lang, 'monitoring.incidents.title');
    const filters = (['all', 'live', 'unannotated', 'closed'] as const).map((key) => ({
      key,
      href: key === 'all' ? '/staff/monitoring/incidents' : `/staff/monitoring/incidents?status=${key}`,
      label: translate(lang, `monitoring.incidents.filter.${key}`),
      current: (request.query.status ?? 'all') === key,
    }));
    return reply.page('monitoring/views/incidents.njk', {
      title,
      total,
      filters,
      incidents: rows.map((i) => incidentView(i, lang, now, 'staff')),
      admin: canManageChecks(user),
      breadcrumbs: [home(lang), { label: title }],
    });
  });

  async function renderAnnotation(request: FastifyRequest, reply: FastifyReply, user: AuthUser, id: string, values: AnnotationFormValues | null, errors: FieldError[], saved: boolean) {
    const lang = request.lang;
    const incident = await incidents.incidentForStaff(db, request.tenant.id, user, id);
    const view = incidentView(incident, lang, deps.clock.now(), 'staff');
    const title = translate(lang, 'monitoring.incident.title', { system: view.system });
    return reply.code(errors.length ? 400 : 200).page('monitoring/views/incident-edit.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      incident: view,
      values: values ?? { cause: incident.cause ?? '', action: incident.action ?? '', published: incident.published_at ? 'on' : '' },
      errors: inFieldOrder(errors, ANNOTATION_FIELDS),
      noteMax: LIMITS.note,
      saved,
      breadcrumbs: staffCrumbs(lang, { label: title }),
    });
  }

  pages.get('/staff/monitoring/incidents/:id', { schema: { ...hidden, params: IdParam, querystring: z.object({ saved: z.string().optional() }) }, config: STAFF }, async (request, reply) => {
    const user = staffUser(request);
    return renderAnnotation(request, reply, user, request.params.id, null, [], request.query.saved !== undefined);
  });

  pages.post('/staff/monitoring/incidents/:id', { schema: { ...hidden, params: IdParam }, config: STAFF }, async (request, reply) => {
    const user = staffUser(request);
    const { values, input, errors } = readAnnotationForm(request.body, request.lang);
    if (errors.length) return renderAnnotation(request, reply, user, request.params.id, values, errors, false);
    try {
      await incidents.annotateIncident(deps, request.tenant, user, request.params.id, input, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return renderAnnotation(request, reply, user, request.params.id, values, err.errors, false);
      throw err;
    }
    return reply.redirect(`/staff/monitoring/incidents/${request.params.id}?saved=1`, 303);
  });
}

/** A stored check as form text. */
function valuesOf(c: repo.CheckRow): CheckFormValues {
  const on = (b: boolean) => (b ? 'on' : '');
  return {
    name: c.name,
    kind: c.kind,
    url: c.url,
    method: c.method,
    expectedStatus: c.expected_status === null ? '' : String(c.expected_status),
    keyword: c.keyword ?? '',
    intervalSeconds: String(c.interval_seconds),
    timeoutMs: String(c.timeout_ms),
    retries: String(c.retries),
    tlsMinDays: c.tls_min_days === null ? '' : String(c.tls_min_days),
    counted: on(c.counted),
    published: on(c.published),
    department: c.department_code ?? '',
    active: on(c.active),
  };
}
