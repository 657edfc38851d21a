/**
 * 施策評価 pages: the staff list of a year's sections and measures with their states, the
 * entry form of the responsible department, the plan manager's review (approve or return
 * with a reason), publishing a closed year, the report (printable, CSV, Excel) and the public
 * pages of published reports. Every page works without JavaScript; routes authorise,
 * validate, call the service and render.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import type { AuthUser } from '../../core/auth.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle, formValues } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import type { AppDeps } from '../module.ts';
import {
  canDecideEvaluation,
  canWriteEvaluation,
  checkTexts,
  decideEvaluation,
  departmentNames,
  evaluationReportView,
  evaluationRows,
  evaluationYear,
  EVALUATION_LIMITS,
  hasCurrentPlan,
  publishedReport,
  publishedYears,
  publishEvaluation,
  rowsCsv,
  rowsExcel,
  saveEvaluation,
  subjectOf,
  type EvaluationReportView,
  type EvaluationYear,
} from './plan.evaluation.ts';
import { requireApprover, requireStaff } from './plan.page-guards.ts';
import { canApproveActual } from './plan.policy.ts';
import { todayOf } from './plan.service.ts';
import { dateText, fiscalYearLine, sectionLabel } from './plan.view-model.ts';
import { todayJst } from '../../core/dates.ts';
import './plan.evaluation.messages.ts';

const hidden = { hide: true };
const STAFF = { access: access.staff };
const APPROVERS = { access: access.planManagers };
const PUBLIC = { access: access.public };

const Fy = z.coerce.number().int().min(1900).max(2200);
const YearQuery = z.object({ fy: Fy.optional(), done: z.enum(['approved', 'returned', 'published']).optional().catch(undefined) });
const SubjectQuery = z.object({
  fy: Fy,
  section: z.string().trim().min(1).max(EVALUATION_LIMITS.code),
  measure: z.string().trim().max(EVALUATION_LIMITS.code).optional().default(''),
  done: z.enum(['saved', 'submitted']).optional().catch(undefined),
});
const FyParam = z.object({ fy: Fy });

const ENTRY_FIELDS = ['fy', 'section', 'measure', 'evaluation', 'issues', 'nextSteps', 'action'] as const;
const REVIEW_FIELDS = ['fy', 'section', 'measure', 'decision', 'reason'] as const;



/** The subject fields of a posted form: every bad one named. */
function readSubject(values: Record<'fy' | 'section' | 'measure', string>, lang: Lang): { fy: number; section: string; measure: string } | FieldError[] {
  const errors: FieldError[] = [];
  const fy = Fy.safeParse(values.fy.trim() || undefined);
  if (!fy.success) errors.push({ path: 'fy', message: translate(lang, 'evaluation.error.fy') });
  const section = values.section.trim();
  if (!section || section.length > EVALUATION_LIMITS.code) errors.push({ path: 'section', message: translate(lang, 'evaluation.error.section') });
  const measure = values.measure.trim();
  if (measure.length > EVALUATION_LIMITS.code) errors.push({ path: 'measure', message: translate(lang, 'evaluation.error.measure') });
  return errors.length || !fy.success ? errors : { fy: fy.data, section, measure };
}

const statusLabel = (status: string | undefined, lang: Lang) => translate(lang, `evaluation.status.${status ?? 'none'}`);

function subjectName(s: { sectionCode: string; sectionTitle: string; measureCode: string; measureTitle: string | null }, lang: Lang): string {
  const section = `${sectionLabel(s.sectionCode, lang)} ${s.sectionTitle}`;
  return s.measureCode ? `${section}：${s.measureCode} ${s.measureTitle ?? ''}`.trim() : `${section}（${translate(lang, 'evaluation.summary')}）`;
}

function subjectHref(base: string, fy: number, s: { sectionCode: string; measureCode: string }): string {
  const q = new URLSearchParams({ fy: String(fy), section: s.sectionCode });
  if (s.measureCode) q.set('measure', s.measureCode);
  return `${base}?${q}`;
}

function staffCrumbs(lang: Lang, ...rest: Breadcrumb[]): Breadcrumb[] {
  return [{ href: '/', label: translate(lang, 'shell.home') }, { href: '/staff/plan', label: translate(lang, 'plan.staff.title') }, ...rest];
}

function yearOptions(year: EvaluationYear, lang: Lang) {
  return Array.from({ length: year.years.max - year.years.min + 1 }, (_, i) => ({ fy: year.years.min + i, label: fiscalYearLine(year.years.min + i, lang) }));
}

function download(reply: FastifyReply, type: string, filename: string, body: string | Buffer) {
  return reply.type(type).header('content-disposition', `attachment; filename="${filename}"`).send(body);
}

export function planEvaluationRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();
  const load = (request: FastifyRequest, fy: number | undefined) => evaluationYear(db, deps, request.tenant.id, fy, todayOf(deps), request.lang);

  // ---------------------------------------------------------------- staff: the year's list

  pages.get('/staff/plan/evaluation', { schema: { ...hidden, querystring: YearQuery }, config: STAFF }, async (request, reply) => {
    const user = requireStaff(request);
    const lang = request.lang;
    if (!(await hasCurrentPlan(db, request.tenant.id))) {
      // The start page links here before a plan exists: say so rather than answer 404.
      const title = translate(lang, 'evaluation.nav');
      return reply.page('plan/views/evaluation-index.njk', { title, noPlan: true, breadcrumbs: staffCrumbs(lang, { label: title }) });
    }
    const year = await load(request, request.query.fy);
    const names = await departmentNames(db, request.tenant.id);
    const approver = canApproveActual(user);
    const title = translate(lang, 'evaluation.title', { fy: fiscalYearLine(year.fy, lang) });
    const rows = year.subjects.map((s) => {
      const writable = !year.publication && canWriteEvaluation(user, s) && s.entry?.status !== 'submitted';
      const decidable = !year.publication && s.entry !== null && canDecideEvaluation(user, { status: s.entry.status, enteredBy: s.entry.entered_by });
      return {
        name: subjectName(s, lang),
        isMeasure: s.measureCode !== '',
        departments: s.departments.length ? s.departments.map((c) => names.get(c)?.[lang] ?? c).join(lang === 'ja' ? '、' : ', ') : translate(lang, 'evaluation.anyDepartment'),
        status: statusLabel(s.entry?.status, lang),
        statusKey: s.entry?.status ?? 'none',
        returnReason: s.entry?.status === 'returned' ? s.entry.return_reason : null,
        writeHref: writable ? subjectHref('/staff/plan/evaluation/entry', year.fy, s) : null,
        reviewHref: decidable ? subjectHref('/staff/plan/evaluation/review', year.fy, s) : null,
        viewHref: !writable && !decidable && canWriteEvaluation(user, s) ? subjectHref('/staff/plan/evaluation/entry', year.fy, s) : null,
      };
    });
    const pending = year.subjects.filter((s) => s.entry && s.entry.status !== 'approved').length;
    return reply.page('plan/views/evaluation-index.njk', {
      title,
      fy: year.fy,
      fyLine: fiscalYearLine(year.fy, lang),
      years: yearOptions(year, lang),
      rows,
      approver,
      published: year.publication ? dateText(todayJst(year.publication.published_at), lang).main : null,
      frozenNotice: year.publication ? translate(lang, 'evaluation.frozen', { fy: fiscalYearLine(year.fy, lang) }) : null,
      canPublish: approver && year.closed && !year.publication,
      pending,
      notEnded: approver && !year.closed ? translate(lang, 'evaluation.notEnded', { fy: fiscalYearLine(year.fy, lang), date: dateText(`${year.fy + 1}-03-31`, lang).main }) : null,
      done: request.query.done ? translate(lang, request.query.done === 'published' ? 'evaluation.published' : `evaluation.decided.${request.query.done}`, { fy: fiscalYearLine(year.fy, lang) }) : null,
      breadcrumbs: staffCrumbs(lang, { label: translate(lang, 'evaluation.nav') }),
    });
  });

  // ---------------------------------------------------------------- staff: entry

  async function renderEntry(
    request: FastifyRequest,
    reply: FastifyReply,
    user: AuthUser,
    subjectKey: { fy: number; section: string; measure: string },
    values: { evaluation: string; issues: string; nextSteps: string } | null,
    errors: FieldError[],
    done: string | undefined = undefined,
  ) {
    const lang = request.lang;
    const year = await load(request, subjectKey.fy);
    const subject = subjectOf(year, subjectKey.section, subjectKey.measure, lang);
    if (!canWriteEvaluation(user, subject)) {
      throw new AppError('forbidden', { ja: translate('ja', 'evaluation.notAllowed', { departments: subject.departments.join(', ') }), en: translate('en', 'evaluation.notAllowed', { departments: subject.departments.join(', ') }) });
    }
    const entry = subject.entry;
    const section = year.plan.chapters.flatMap((c) => c.sections).find((s) => s.code === subject.sectionCode)!;
    const values0 = values ?? { evaluation: entry?.evaluation ?? '', issues: entry?.issues ?? '', nextSteps: entry?.next_steps ?? '' };
    const heading = translate(lang, 'evaluation.entryTitle', { subject: subjectName(subject, lang), fy: fiscalYearLine(year.fy, lang) });
    const report = evaluationReportView(year, new Map(), lang);
    const sectionView = report.values.sections.find((s) => s.code === section.code)!;
    return reply.code(errors.length ? 400 : 200).page('plan/views/evaluation-entry.njk', {
      title: formTitle(heading, errors, lang),
      heading,
      subject: { fy: year.fy, section: subject.sectionCode, measure: subject.measureCode },
      status: statusLabel(entry?.status, lang),
      returned: entry?.status === 'returned'
        ? translate(lang, 'evaluation.returnedNotice', { who: entry.decided_label ?? '', date: dateText(todayJst(entry.decided_at!), lang).main, reason: entry.return_reason ?? '' })
        : null,
      approved: entry?.approved_at ? translate(lang, 'evaluation.approvedNotice', { date: dateText(todayJst(entry.approved_at), lang).main }) : null,
      frozen: year.publication ? translate(lang, 'evaluation.frozen', { fy: fiscalYearLine(year.fy, lang) }) : null,
      locked: !year.publication && entry?.status === 'submitted' ? translate(lang, 'evaluation.locked') : null,
      values: values0,
      errors,
      hint: translate(lang, 'evaluation.field.hint', { max: EVALUATION_LIMITS.text }),
      done: done ? translate(lang, `evaluation.${done}`) : null,
      indicators: sectionView.indicators,
      indicatorsCaption: translate(lang, 'plan.report.indicatorsCaption', { name: sectionView.label, fy: report.values.fyText.main }),
      backHref: `/staff/plan/evaluation?fy=${year.fy}`,
      breadcrumbs: staffCrumbs(lang, { href: `/staff/plan/evaluation?fy=${year.fy}`, label: translate(lang, 'evaluation.nav') }, { label: heading }),
    });
  }

  pages.get('/staff/plan/evaluation/entry', { schema: { ...hidden, querystring: SubjectQuery }, config: STAFF }, async (request, reply) => {
    const user = requireStaff(request);
    const q = request.query;
    return renderEntry(request, reply, user, q, null, [], q.done);
  });

  pages.post('/staff/plan/evaluation/entry', { schema: hidden, config: STAFF }, async (request, reply) => {
    const user = requireStaff(request);
    const lang = request.lang;
    const values = formValues(request.body, ENTRY_FIELDS);
    const subject = readSubject(values, lang);
    const actionOk = values.action === 'save' || values.action === 'submit';
    if (Array.isArray(subject) || !actionOk) {
      const errors = [...(Array.isArray(subject) ? subject : []), ...(actionOk ? [] : [{ path: 'action', message: translate(lang, 'evaluation.error.action') }])];
      throw new AppError('validation', undefined, errors);
    }
    const texts = { evaluation: values.evaluation, issues: values.issues, nextSteps: values.nextSteps };
    const submit = values.action === 'submit';
    const errors = checkTexts(texts, submit, lang);
    if (errors.length) return renderEntry(request, reply, user, subject, texts, errors);
    try {
      await saveEvaluation(db, deps, request.tenant, user, { ...subject, ...texts, submit }, todayOf(deps), lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation' && err.errors.every((e) => e.path in texts)) return renderEntry(request, reply, user, subject, texts, err.errors);
      throw err;
    }
    const q = new URLSearchParams({ fy: String(subject.fy), section: subject.section, done: submit ? 'submitted' : 'saved' });
    if (subject.measure) q.set('measure', subject.measure);
    return reply.redirect(`/staff/plan/evaluation/entry?${q}`, 303);
  });

  // ---------------------------------------------------------------- plan manager: review and publish

  async function renderReview(request: FastifyRequest, reply: FastifyReply, user: AuthUser, key: { fy: number; section: string; measure: string }, reason: string, errors: FieldError[]) {
    const lang = request.lang;
    const year = await load(request, key.fy);
    const subject = subjectOf(year, key.section, key.measure, lang);
    const entry = subject.entry;
    if (!entry || entry.status !== 'submitted') throw new AppError('not_found', { ja: translate('ja', 'evaluation.noSubmitted'), en: translate('en', 'evaluation.noSubmitted') });
    const heading = translate(lang, 'evaluation.reviewTitle', { subject: subjectName(subject, lang), fy: fiscalYearLine(year.fy, lang) });
    return reply.code(errors.length ? 400 : 200).page('plan/views/evaluation-review.njk', {
      title: formTitle(heading, errors, lang),
      heading,
      subject: { fy: year.fy, section: subject.sectionCode, measure: subject.measureCode },
      entry: { evaluation: entry.evaluation, issues: entry.issues, nextSteps: entry.next_steps, author: entry.entered_label, date: dateText(todayJst(entry.entered_at), lang).main },
      mayDecide: !year.publication && canDecideEvaluation(user, { status: entry.status, enteredBy: entry.entered_by }),
      frozen: year.publication ? translate(lang, 'evaluation.frozen', { fy: fiscalYearLine(year.fy, lang) }) : null,
      reason,
      reasonHint: translate(lang, 'evaluation.reasonHint', { max: EVALUATION_LIMITS.reason }),
      errors,
      backHref: `/staff/plan/evaluation?fy=${year.fy}`,
      breadcrumbs: staffCrumbs(lang, { href: `/staff/plan/evaluation?fy=${year.fy}`, label: translate(lang, 'evaluation.nav') }, { label: heading }),
    });
  }

  pages.get('/staff/plan/evaluation/review', { schema: { ...hidden, querystring: SubjectQuery }, config: APPROVERS }, async (request, reply) =>
    renderReview(request, reply, requireApprover(request), request.query, '', []),
  );

  pages.post('/staff/plan/evaluation/review', { schema: hidden, config: APPROVERS }, async (request, reply) => {
    const user = requireApprover(request);
    const lang = request.lang;
    const values = formValues(request.body, REVIEW_FIELDS);
    const subject = readSubject(values, lang);
    const decisionOk = values.decision === 'approved' || values.decision === 'returned';
    if (Array.isArray(subject) || !decisionOk) {
      const errors = [...(Array.isArray(subject) ? subject : []), ...(decisionOk ? [] : [{ path: 'decision', message: translate(lang, 'evaluation.error.decision') }])];
      throw new AppError('validation', undefined, errors);
    }
    try {
      await decideEvaluation(db, deps, request.tenant, user, { ...subject, decision: values.decision as 'approved' | 'returned', reason: values.reason }, todayOf(deps), lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation' && err.errors.every((e) => e.path === 'reason')) return renderReview(request, reply, user, subject, values.reason, err.errors);
      throw err;
    }
    return reply.redirect(`/staff/plan/evaluation?fy=${subject.fy}&done=${values.decision}`, 303);
  });

  pages.post('/staff/plan/evaluation/publish', { schema: hidden, config: APPROVERS }, async (request, reply) => {
    const user = requireApprover(request);
    const lang = request.lang;
    const fy = Fy.safeParse(formValues(request.body, ['fy'] as const).fy.trim() || undefined);
    if (!fy.success) throw new AppError('validation', undefined, [{ path: 'fy', message: translate(lang, 'evaluation.error.fy') }]);
    await publishEvaluation(db, deps, request.tenant, user, fy.data, lang);
    return reply.redirect(`/staff/plan/evaluation?fy=${fy.data}&done=published`, 303);
  });

  // ---------------------------------------------------------------- the report (staff)

  /** The year's report: the frozen one once published, otherwise as it stands (approved texts only). */
  async function staffReport(request: FastifyRequest, fy: number | undefined) {
    const lang = request.lang;
    const year = await load(request, fy);
    if (year.publication) {
      const snapshot = await publishedReport(db, request.tenant.id, year.fy);
      return { year, view: snapshot.views[lang], rows: snapshot.rows[lang] };
    }
    const names = await departmentNames(db, request.tenant.id);
    return { year, view: evaluationReportView(year, names, lang), rows: evaluationRows(year, names, lang) };
  }

  const renderReport = (request: FastifyRequest, reply: FastifyReply, view: EvaluationReportView, options: { staff: boolean; years?: { fy: number; label: string }[] }) => {
    const lang = request.lang;
    const title = translate(lang, 'evaluation.title', { fy: fiscalYearLine(view.fy, lang) });
    const base = options.staff ? `/staff/plan/evaluation/report` : `/plan/evaluations/${view.fy}/report`;
    return reply.page('plan/views/evaluation-report.njk', {
      title,
      report: view,
      staff: options.staff,
      years: options.years ?? [],
      csvHref: options.staff ? `${base}.csv?fy=${view.fy}` : `${base}.csv`,
      excelHref: options.staff ? `${base}-excel.csv?fy=${view.fy}` : `${base}-excel.csv`,
      breadcrumbs: options.staff
        ? staffCrumbs(lang, { href: `/staff/plan/evaluation?fy=${view.fy}`, label: translate(lang, 'evaluation.nav') }, { label: title })
        : [{ href: '/', label: translate(lang, 'shell.home') }, { href: '/plan', label: translate(lang, 'plan.overview.title') }, { href: '/plan/evaluations', label: translate(lang, 'evaluation.publicList') }, { label: title }],
    });
  };

  pages.get('/staff/plan/evaluation/report', { schema: { ...hidden, querystring: YearQuery }, config: STAFF }, async (request, reply) => {
    requireStaff(request);
    const { year, view } = await staffReport(request, request.query.fy);
    return renderReport(request, reply, view, { staff: true, years: yearOptions(year, request.lang) });
  });

  pages.get('/staff/plan/evaluation/report.csv', { schema: { ...hidden, querystring: YearQuery }, config: STAFF }, async (request, reply) => {
    requireStaff(request);
    const { year, rows } = await staffReport(request, request.query.fy);
    return download(reply, 'text/csv; charset=utf-8', `policy-evaluation-FY${year.fy}.csv`, rowsCsv(rows));
  });

  pages.get('/staff/plan/evaluation/report-excel.csv', { schema: { ...hidden, querystring: YearQuery }, config: STAFF }, async (request, reply) => {
    requireStaff(request);
    const { year, rows } = await staffReport(request, request.query.fy);
    return download(reply, 'text/csv; charset=utf-16le', `policy-evaluation-FY${year.fy}-excel.csv`, rowsExcel(rows));
  });

  // ---------------------------------------------------------------- public: published reports

  pages.get('/plan/evaluations', { schema: hidden, config: PUBLIC }, async (request, reply) => {
    const lang = request.lang;
    const title = translate(lang, 'evaluation.publicList');
    const years = await publishedYears(db, request.tenant.id);
    return reply.page('plan/views/evaluation-list.njk', {
      title,
      items: years.map((y) => ({
        href: `/plan/evaluations/${y.fy}`,
        label: translate(lang, 'evaluation.title', { fy: fiscalYearLine(y.fy, lang) }),
        published: translate(lang, 'evaluation.publishedOn', { date: dateText(todayJst(y.publishedAt), lang).main }),
      })),
      breadcrumbs: [{ href: '/', label: translate(lang, 'shell.home') }, { href: '/plan', label: translate(lang, 'plan.overview.title') }, { label: title }],
    });
  });

  pages.get('/plan/evaluations/:fy', { schema: { ...hidden, params: FyParam }, config: PUBLIC }, async (request, reply) => {
    const snapshot = await publishedReport(db, request.tenant.id, request.params.fy);
    return renderReport(request, reply, snapshot.views[request.lang], { staff: false });
  });

  pages.get('/plan/evaluations/:fy/report.csv', { schema: { ...hidden, params: FyParam }, config: PUBLIC }, async (request, reply) => {
    const snapshot = await publishedReport(db, request.tenant.id, request.params.fy);
    return download(reply, 'text/csv; charset=utf-8', `policy-evaluation-FY${request.params.fy}.csv`, rowsCsv(snapshot.rows[request.lang]));
  });

  pages.get('/plan/evaluations/:fy/report-excel.csv', { schema: { ...hidden, params: FyParam }, config: PUBLIC }, async (request, reply) => {
    const snapshot = await publishedReport(db, request.tenant.id, request.params.fy);
    return download(reply, 'text/csv; charset=utf-16le', `policy-evaluation-FY${request.params.fy}-excel.csv`, rowsExcel(snapshot.rows[request.lang]));
  });
}
