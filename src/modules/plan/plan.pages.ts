/**
 * The plan's pages: the public overview, section and indicator pages, and the staff pages
 * (entering actuals, the approval queue, CSV bulk entry, the fiscal-year report). Every page
 * works without JavaScript. Routes authorise, validate, call the service and render.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import type { AuthUser } from '../../core/auth.ts';
import { fiscalYearEnd, fiscalYearOf } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { findDepartment } from '../../core/tenancy.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import { fieldErrorsOf, inFieldOrder } from '../../core/validation.ts';
import { acceptMultipart, readMultipartBody, readUploadForm, uploadsOf } from '../../core/multipart.ts';
import { checkUpload, downloadHeaders } from '../../core/files.ts';
import type { PageData } from '../../core/web.ts';
import { HTML_TYPE, sendPlanRead } from './plan.public-read.ts';
import type { AppDeps } from '../module.ts';
import { cachedIndicatorChart } from './plan.chart.ts';
import { checkActualsCsv, decodeCsvBytes, importActualsCsv, type CsvCheck } from './plan.csv-import.ts';
import { ActualEntryForm, DecisionForm, EntryQuery, formValues, ImportForm, ReportQuery, type ActualEntryValues } from './plan.forms.ts';
import { requireApprover, requireStaff } from './plan.page-guards.ts';
import { canApproveActual, canUseStaffPages } from './plan.policy.ts';
import { reportCsv, reportView } from './plan.report.ts';
import { LIMITS } from './plan.schema.ts';
import * as plans from './plan.service.ts';
import {
  approvalRows,
  dateLine,
  enterableIndicators,
  entryChoices,
  entryView,
  evidenceView,
  warningTexts,
  fiscalYearLine,
  glossaryViews,
  historyTable,
  importRows,
  indicatorView,
  planView,
  revisionRows,
  sectionHref,
  sectionLabel,
  sectionOf,
  sectionTitle,
  sectionView,
} from './plan.view-model.ts';
import { planEditingRoutes } from './plan.editing.pages.ts';
import './plan.messages.ts';

const CodeParam = z.object({ code: z.string().min(1).max(LIMITS.code) });
const IdParam = z.object({ id: z.uuid() });
const hidden = { hide: true };
const PUBLIC = { access: access.public };
const STAFF = { access: access.staff };
const APPROVERS = { access: access.planManagers };
/** The entry form with its evidence file: the body is read (bounded) before the CSRF check. */
const UPLOAD_ROUTE = { bodyLimit: 6 * 1024 * 1024, preValidation: readUploadForm };

/** The signed-in user when they may see the staff side of public pages (two-factor done). */
function staffViewer(request: FastifyRequest): AuthUser | null {
  const { user, mfaPassed } = request.auth;
  return user && mfaPassed && canUseStaffPages(user) ? user : null;
}



/** One language of a message written "日本語 / English". */
function bilingualHalf(message: string, lang: Lang): string {
  const at = message.indexOf(' / ');
  if (at < 0) return message;
  return lang === 'ja' ? message.slice(0, at) : message.slice(at + 3);
}

function crumbs(lang: Lang, ...rest: Breadcrumb[]): Breadcrumb[] {
  return [{ href: '/', label: translate(lang, 'shell.home') }, { href: '/plan', label: translate(lang, 'plan.overview.title') }, ...rest];
}

function staffCrumbs(lang: Lang, ...rest: Breadcrumb[]): Breadcrumb[] {
  return [{ href: '/', label: translate(lang, 'shell.home') }, { href: '/staff/plan', label: translate(lang, 'plan.staff.title') }, ...rest];
}

/** The fiscal years a report may cover: the plan's period up to the current fiscal year. */
function reportYears(plan: plans.EvaluatedPlan, today: string): { min: number; max: number; initial: number } {
  const min = plan.period.startFiscalYear;
  const current = fiscalYearOf(today);
  const max = Math.max(min, Math.min(plan.period.endFiscalYear, current));
  // The last fiscal year that has ended, within the plan's period.
  const initial = Math.max(min, Math.min(max, current - 1));
  return { min, max, initial };
}

export function planPageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const evaluated = async (request: FastifyRequest) => (await plans.evaluatePlanCached(db, deps, request.tenant.id, undefined, request)).plan;
  const pages = app.withTypeProvider<ZodTypeProvider>();

  // The CSV form and the entry form (its evidence file) upload files (work without JavaScript).
  acceptMultipart(app, { fileSize: plans.EVIDENCE_RULES.maxBytes + 64 * 1024, files: 1, fields: 20 });

  // ---------------------------------------------------------------- public pages

  /**
   * A public page: the same for every visitor who is not signed in, so it is served through
   * the versioned cache; signed-in users (staff links, their name) get it rendered afresh.
   */
  const publicPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    template: string,
    build: () => Promise<PageData>,
    extraScopes: readonly string[] = [],
    /** True when a staff member sees what depends on who they are (not only their role). */
    perStaffMember = false,
  ) => {
    if (request.auth.user) {
      // A page that shows a staff member's own work (entries they may decide) is theirs alone.
      if (perStaffMember && staffViewer(request)) return reply.page(template, await build());
      // Otherwise the body is the same for every viewer of the role; the header is theirs.
      const scopes = await plans.planScopes(db, deps, request.tenant.id, undefined, request);
      return reply.viewerPage(template, { scopes: [...scopes, ...extraScopes], today: plans.todayOf(deps) }, build);
    }
    return sendPlanRead(db, deps, request, reply, HTML_TYPE, async () => reply.pageHtml(template, await build()), undefined, extraScopes);
  };

  pages.get('/plan', { schema: hidden, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, 'plan/views/overview.njk', async () => {
      const lang = request.lang;
      const plan = await evaluated(request);
      const title = translate(lang, 'plan.overview.title');
      return {
        title,
        plan: planView(plan, lang),
        staff: staffViewer(request) !== null,
        approver: canApproveActual(staffViewer(request)),
        breadcrumbs: [{ href: '/', label: translate(lang, 'shell.home') }, { label: title }],
      };
    }),
  );

  pages.get('/plan/sections/:code', { schema: { ...hidden, params: CodeParam }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, 'plan/views/section.njk', async () => {
      const lang = request.lang;
      const plan = await evaluated(request);
      const section = sectionOf(plan, request.params.code);
      if (!section) throw new AppError('not_found', { ja: `節 ${request.params.code} はありません`, en: `No section ${request.params.code}` });
      const view = sectionView(section, lang, true);
      const panels = await deps.sectionPanels.panels({ sql: db, tenantId: request.tenant.id, sectionCode: section.code, lang, today: plans.todayOf(deps) });
      return {
        title: `${view.label} ${view.title}`,
        section: view,
        panels,
        breadcrumbs: crumbs(lang, { label: `${view.label} ${view.title}`, lang: view.titleLang }),
      };
    }, deps.sectionPanels.scopes),
  );

  pages.get('/plan/indicators/:code', { schema: { ...hidden, params: CodeParam }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, 'plan/views/indicator.njk', async () => {
      const lang = request.lang;
      const viewer = staffViewer(request);
      const { plan, version } = await plans.evaluatePlanCached(db, deps, request.tenant.id, undefined, request);
      const indicator = plan.indicators.find((i) => i.code === request.params.code);
      if (!indicator) throw new AppError('not_found', { ja: `指標 ${request.params.code} はありません`, en: `No indicator ${request.params.code}` });
      const revisions = await plans.indicatorRevisions(db, request.tenant.id, indicator.id, viewer !== null, viewer, indicator.departmentCode);
      const section = sectionOf(plan, indicator.sectionCode);
      const glossary = section ? glossaryViews(section, lang) : [];
      const view = indicatorView(indicator, glossary, sectionHref(indicator.sectionCode), lang);
      // Drawn once per indicator, data version and language, for every viewer.
      const chart = await cachedIndicatorChart(request.tenant.id, version, indicator, lang);
      const department = indicator.departmentCode ? await findDepartment(db, request.tenant.id, indicator.departmentCode) : undefined;
      const shownTitle = section ? sectionTitle(section, lang) : null;
      const sectionName = section ? `${sectionLabel(section.code, lang)} ${shownTitle!.text}` : indicator.sectionCode;
      return {
        title: `${indicator.code} ${view.name}`,
        indicator: view,
        section: section
          ? { href: sectionHref(section.code), label: sectionLabel(section.code, lang), title: shownTitle!.text, titleLang: shownTitle!.lang }
          : null,
        chart: chart.svg,
        chartTitle: chart.title,
        chartTitleLang: chart.titleLang,
        department: department ? (lang === 'ja' ? department.nameJa : department.nameEn) : indicator.departmentCode,
        history: historyTable(indicator, lang),
        revisions: revisionRows(revisions, indicator, lang, viewer !== null),
        staff: viewer !== null,
        breadcrumbs: crumbs(
          lang,
          ...(section ? [{ href: sectionHref(section.code), label: sectionName, lang: shownTitle!.lang }] : []),
          { label: translate(lang, 'plan.indicator.breadcrumb', { code: indicator.code }) },
        ),
      };
      // Staff see the entries awaiting a decision, and which of them they may decide.
    }, [], true),
  );

  // ---------------------------------------------------------------- staff pages

  planEditingRoutes(app, deps);

  pages.get('/staff/plan', { schema: hidden, config: STAFF }, async (request, reply) => {
    const user = requireStaff(request);
    const lang = request.lang;
    const title = translate(lang, 'plan.staff.title');
    return reply.page('plan/views/staff-index.njk', {
      title,
      approver: canApproveActual(user),
      breadcrumbs: [{ href: '/', label: translate(lang, 'shell.home') }, { label: title }],
    });
  });

  async function renderEntry(
    request: FastifyRequest,
    reply: FastifyReply,
    user: AuthUser,
    values: ActualEntryValues,
    errors: FieldError[],
    recorded: { code: string; date: string; warnings: string[]; evidence: ReturnType<typeof evidenceView> } | null = null,
  ) {
    const lang = request.lang;
    const plan = await evaluated(request);
    const title = translate(lang, 'plan.entry.title');
    const enterable = enterableIndicators(plan, user);
    return reply.code(errors.length ? 400 : 200).page('plan/views/entry.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      choices: entryChoices(enterable, lang),
      noIndicators: enterable.length === 0,
      values: { ...values, indicator: values.indicator.trim() },
      errors,
      noteMax: LIMITS.note,
      evidenceMaxMb: plans.EVIDENCE_RULES.maxBytes / 1024 / 1024,
      recorded,
      breadcrumbs: staffCrumbs(lang, { label: title }),
    });
  }

  pages.get('/staff/plan/actuals/new', { schema: { ...hidden, querystring: EntryQuery }, config: STAFF }, async (request, reply) => {
    const user = requireStaff(request);
    const q = request.query;
    const lang = request.lang;
    let recorded = null;
    if (q.recorded && q.asOf) {
      // The entry just made, with the warnings it raised (only the author's own entry is read).
      const mine = q.id ? (await plans.myEntries(db, request.tenant.id, user, 50)).find((e) => e.id === q.id) : undefined;
      recorded = {
        code: q.recorded,
        date: dateLine(q.asOf, lang),
        warnings: mine ? warningTexts(mine.warnings, lang) : [],
        evidence: mine ? evidenceView(mine, lang) : null,
      };
    }
    const initial = { indicator: q.indicator ?? '', value: '', asOf: '', note: '', evidencePublic: '' };
    return renderEntry(request, reply, user, initial, [], recorded);
  });

  const ENTRY_FIELDS = ['indicator', 'value', 'asOf', 'note', 'evidence', 'evidencePublic'] as const;

  pages.post('/staff/plan/actuals/new', { schema: hidden, config: STAFF, ...UPLOAD_ROUTE }, async (request, reply) => {
    const user = requireStaff(request);
    const lang = request.lang;
    const values = formValues(request.body, ENTRY_FIELDS);
    const parsed = ActualEntryForm.safeParse(values);
    const errors: FieldError[] = parsed.success ? [] : fieldErrorsOf(parsed.error.issues, lang);
    // The indicator must be one this user may enter (not computed, their department's).
    if (values.indicator.trim() && !errors.some((e) => e.path === 'indicator')) {
      const plan = await evaluated(request);
      const code = values.indicator.trim();
      const exists = plan.indicators.find((i) => i.code === code);
      if (!exists) errors.unshift({ path: 'indicator', message: translate(lang, 'plan.error.indicatorUnknown') });
      else if (!enterableIndicators(plan, user).includes(exists)) {
        const computed = exists.source.kind === 'metric' && exists.source.metric === plans.AVERAGE_METRIC;
        errors.unshift({ path: 'indicator', message: translate(lang, computed ? 'plan.error.computed' : 'plan.error.notAllowed') });
      }
    }
    const file = uploadsOf(request).find((u) => u.field === 'evidence') ?? null;
    if (file) {
      try {
        await checkUpload(file.bytes, plans.EVIDENCE_RULES, 'evidence');
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'validation') throw err;
        // core/files.ts words its upload errors "日本語 / English": the reader's half.
        errors.push(...err.errors.map((e) => ({ path: 'evidence', message: bilingualHalf(e.message, lang) })));
      }
    }
    if (errors.length || !parsed.success) return renderEntry(request, reply, user, values, inFieldOrder(errors, ENTRY_FIELDS));
    const input = parsed.data;
    let id: string;
    try {
      ({ id } = await plans.recordActual(
        db,
        request.tenant,
        user,
        input.indicator,
        { value: input.value, asOf: input.asOf, ...(input.note ? { note: input.note } : {}) },
        {
          today: plans.todayOf(deps),
          via: 'form',
          evidence: file ? { filename: file.filename, bytes: file.bytes, public: input.evidencePublic } : null,
        },
      ));
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return renderEntry(request, reply, user, values, err.errors);
      throw err;
    }
    const q = new URLSearchParams({ recorded: input.indicator, asOf: input.asOf, id });
    return reply.redirect(`/staff/plan/actuals/new?${q}`, 303);
  });

  pages.get('/staff/plan/mine', { schema: hidden, config: STAFF }, async (request, reply) => {
    const user = requireStaff(request);
    const lang = request.lang;
    const title = translate(lang, 'plan.mine.title');
    const entries = await plans.myEntries(db, request.tenant.id, user);
    return reply.page('plan/views/mine.njk', {
      title,
      entries: entries.map((e) => entryView(e, lang)),
      breadcrumbs: staffCrumbs(lang, { label: title }),
    });
  });

  pages.get('/staff/plan/approvals', { schema: { ...hidden, querystring: z.object({ done: z.enum(['approved', 'rejected']).optional() }) }, config: APPROVERS }, async (request, reply) => {
    const user = requireApprover(request);
    const lang = request.lang;
    const pending = await plans.pendingActuals(db, request.tenant.id);
    const title = translate(lang, 'plan.approvals.title');
    return reply.page('plan/views/approvals.njk', {
      title,
      rows: approvalRows(pending, lang, user),
      done: request.query.done ?? null,
      breadcrumbs: staffCrumbs(lang, { label: title }),
    });
  });

  async function renderDecision(request: FastifyRequest, reply: FastifyReply, user: AuthUser, id: string, reason: string, errors: FieldError[]) {
    const lang = request.lang;
    const { row, mayDecide } = await plans.actualForDecision(db, request.tenant.id, user, id);
    const entry = entryView(row, lang);
    const title = translate(lang, 'plan.approvals.decideTitle', { code: entry.code, date: entry.date.main });
    return reply.code(errors.length ? 400 : 200).page('plan/views/decide.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      entry,
      own: row.status === 'pending' && !mayDecide,
      mayDecide,
      reason,
      reasonMax: LIMITS.note,
      errors,
      breadcrumbs: staffCrumbs(lang, { href: '/staff/plan/approvals', label: translate(lang, 'plan.approvals.title') }, { label: title }),
    });
  }

  pages.get('/staff/plan/approvals/:id', { schema: { ...hidden, params: IdParam }, config: APPROVERS }, async (request, reply) =>
    renderDecision(request, reply, requireApprover(request), request.params.id, '', []),
  );

  pages.post('/staff/plan/approvals/:id', { schema: { ...hidden, params: IdParam }, config: APPROVERS }, async (request, reply) => {
    const user = requireApprover(request);
    const parsed = DecisionForm.safeParse(request.body);
    if (!parsed.success) throw new AppError('bad_request');
    const { code, decision, reason } = parsed.data;
    try {
      const result = await plans.decideActual(db, request.tenant, user, code, request.params.id, decision, reason, deps.config.publicUrl);
      if (result.mailed) deps.mail.poke();
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return renderDecision(request, reply, user, request.params.id, reason, err.errors);
      throw err;
    }
    return reply.redirect(`/staff/plan/approvals?done=${decision}`, 303);
  });

  pages.get('/plan/actuals/:id/evidence', { schema: { ...hidden, params: IdParam }, config: PUBLIC }, async (request, reply) => {
    // Staff count only with their second factor done (as on every staff page).
    const file = await plans.evidenceFile(db, request.tenant.id, staffViewer(request), request.params.id, request.auth.user !== null);
    return reply.headers(downloadHeaders(file)).send(file.content);
  });

  function renderImport(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { csv: string; check: CsvCheck | null; imported: number | null; status?: number },
  ) {
    const lang = request.lang;
    const title = translate(lang, 'plan.import.title');
    const errors = options.check?.errors ?? [];
    return reply.code(options.status ?? 200).page('plan/views/import.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      csv: options.csv,
      check: options.check,
      rows: options.check ? importRows(options.check, lang) : [],
      badCount: options.check ? options.check.rows.filter((r) => r.problems.length > 0).length : 0,
      errors,
      imported: options.imported,
      approver: canApproveActual(request.auth.user),
      breadcrumbs: staffCrumbs(lang, { label: title }),
    });
  }

  pages.get('/staff/plan/import', { schema: { ...hidden, querystring: z.object({ imported: z.coerce.number().int().min(0).optional() }) }, config: STAFF }, async (request, reply) => {
    requireStaff(request);
    return renderImport(request, reply, { csv: '', check: null, imported: request.query.imported ?? null });
  });

  pages.post('/staff/plan/import', { schema: { ...hidden }, config: STAFF, bodyLimit: 1024 * 1024, preValidation: readMultipartBody }, async (request, reply) => {
    const user = requireStaff(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const file = Buffer.isBuffer(body.file) ? decodeCsvBytes(body.file) : '';
    const parsed = ImportForm.safeParse({ ...formValues(body, ['csv', 'mode'] as const), file });
    if (!parsed.success) throw new AppError('bad_request');
    const form = parsed.data;
    const csv = form.file.trim() ? form.file : form.csv;
    if (form.mode === 'import') {
      const { check, imported } = await importActualsCsv(db, request.tenant, user, csv, request.lang, plans.todayOf(deps));
      if (check.ok) return reply.redirect(`/staff/plan/import?imported=${imported}`, 303);
      return renderImport(request, reply, { csv, check, imported: null, status: 400 });
    }
    const check = await checkActualsCsv(db, request.tenant, user, csv, request.lang);
    return renderImport(request, reply, { csv, check, imported: null, status: check.ok ? 200 : 400 });
  });

  pages.get('/staff/plan/report', { schema: { ...hidden, querystring: ReportQuery }, config: STAFF }, async (request, reply) => {
    requireStaff(request);
    const lang = request.lang;
    const { plan, fy, years } = await evaluateForReport(request, request.query.fy);
    const view = reportView(plan, fy, lang);
    return reply.page('plan/views/report.njk', {
      title: view.title,
      report: view,
      years: Array.from({ length: years.max - years.min + 1 }, (_, i) => ({ fy: years.min + i, label: fiscalYearLine(years.min + i, lang) })),
      breadcrumbs: staffCrumbs(lang, { label: view.title }),
    });
  });

  pages.get('/staff/plan/report.csv', { schema: { ...hidden, querystring: ReportQuery }, config: STAFF }, async (request, reply) => {
    requireStaff(request);
    const { plan, fy } = await evaluateForReport(request, request.query.fy);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="plan-report-FY${fy}.csv"`)
      .send(reportCsv(plan, fy, request.lang));
  });

  /** The plan evaluated on the values up to the end of fiscal year fy (default: the last ended one). */
  async function evaluateForReport(request: FastifyRequest, requested: number | undefined) {
    const today = plans.todayOf(deps);
    const current = await plans.evaluatePlan(db, deps, request.tenant.id, undefined, today);
    const years = reportYears(current, today);
    const fy = requested ?? years.initial;
    if (fy < years.min || fy > years.max) {
      throw new AppError('validation', undefined, [
        { path: 'fy', message: translate(request.lang, 'plan.report.badFy', { min: years.min, max: years.max }) },
      ]);
    }
    const end = fiscalYearEnd(fy);
    const plan = await plans.evaluatePlan(db, deps, request.tenant.id, undefined, end < today ? end : today, { asOf: end });
    return { plan, fy, years };
  }
}
