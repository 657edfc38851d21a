/**
 * The proposals pages, all working without JavaScript: the public list with search, the
 * detail with its answer (support and report), how it works, the yearly figures; the citizen's
 * submit form, drafts and own proposals with their history; the staff inbox per department,
 * the case page with every action the state allows, keying in letters, overdue answers,
 * answers awaiting approval and the publication review. Routes authorise, read the form,
 * call one service function and render or redirect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { todayJst } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { downloadHeaders } from '../../core/files.ts';
import { formTitle, formValues, readForm } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { acceptMultipart } from '../../core/multipart.ts';
import { HTML_TYPE, sendPublicRead } from '../../core/public-read.ts';
import { listDepartments } from '../../core/tenancy.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import type { PageData } from '../../core/web.ts';
import type { AppDeps } from '../module.ts';
import { currentPlanSections } from '../plan/plan.service.ts';
import * as actions from './proposals.actions.ts';
import { caseState, departmentNames, isPublicProposal } from './proposals.case.ts';
import {
  ACTION_FORMS,
  actionValues,
  INTAKE_FIELDS,
  intakeInput,
  prefixErrors,
  REPORT_FIELDS,
  ReportSchema,
  submitInput,
  SUBMIT_FIELDS,
  type IntakeValues,
  type StaffAction,
  type SubmitValues,
} from './proposals.forms.ts';
import { workItems } from './proposals.metric.ts';
import { uploadsOf, readUploadForm } from '../../core/multipart.ts';
import { ANSWER_DAYS } from './proposals.notify.ts';
import {
  canAnswerProposal,
  canExtendProposal,
  canHideProposal,
  canImplementProposal,
  canManageProposals,
  canSubmitProposal,
  canSupportProposal,
  isStaff,
} from './proposals.policy.ts';
import { InboxQuerySchema, LIMITS, ListQuerySchema, NumberParam, IdParam } from './proposals.schema.ts';
import * as service from './proposals.service.ts';
import {
  attachmentLinks,
  dateText,
  decisionLabel,
  decisionOptions,
  fiscalYearText,
  groundLabel,
  groundOptions,
  historyRows,
  inboxRow,
  ownRows,
  publicView,
  statisticsRows,
  statusLabel,
} from './proposals.view-model.ts';
import { DECISIONS, DECLINE_GROUNDS, refusalOf, visibleStatus, type Action } from './proposals.workflow.ts';
import './proposals.messages.ts';

const VIEWS = 'proposals/views';
const hidden = { hide: true };
const PUBLIC = { access: access.public };
const USER = { access: access.user };
const CITIZEN = { access: access.roles('citizen') };
const STAFF = { access: access.staff };
const MANAGERS = { access: access.planManagers };
/** Upload forms: three files of 5 MB at most, and their fields. */
const UPLOAD_ROUTE = { bodyLimit: 20 * 1024 * 1024, preValidation: readUploadForm };
const FILE_FIELDS = new Set(['file1', 'file2', 'file3']);

/** Which managers' actions need a plan manager; the others the department (policy decides the rest). */
const MANAGER_ACTIONS: ReadonlySet<StaffAction> = new Set(['assign', 'approve-answer', 'return-answer', 'decline', 'moderate']);

const LISTED = ['received', 'assigned', 'answered', 'implemented'] as const;

export function proposalPageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();
  const today = () => todayJst(deps.clock.now());
  acceptMultipart(app, { fileSize: LIMITS.attachmentBytes, files: LIMITS.attachments, fields: 40 });

  const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const home = (lang: Lang): Breadcrumb => ({ href: '/', label: t(lang, 'shell.home') });
  const publicCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/proposals', label: t(lang, 'proposals.list.title') }, ...rest];
  const mineCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/my/proposals', label: t(lang, 'proposals.mine.title') }, ...rest];
  const staffCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/staff/proposals', label: t(lang, 'proposals.staff.title') }, ...rest];
  const sectionMap = async (tenantId: string) => new Map((await currentPlanSections(db, tenantId)).map((s) => [s.code, s.title]));
  const viewer = (request: FastifyRequest): AuthUser | null => {
    const { user, mfaPassed, via } = request.auth;
    if (!user) return null;
    return isStaff(user) && !mfaPassed && via !== 'token' ? null : user;
  };

  /** A public page: cached for visitors who are not signed in; rendered afresh for the signed-in. */
  const publicPage = async (request: FastifyRequest, reply: FastifyReply, template: string, build: () => Promise<PageData>) => {
    if (request.auth.user) return reply.page(template, await build());
    return sendPublicRead(db, request, reply, { scopes: [service.PROPOSALS_SCOPE], type: HTML_TYPE, produce: async () => reply.pageHtml(template, await build()) });
  };

  // ---------------------------------------------------------------- public

  pages.get('/proposals', { schema: { ...hidden, querystring: ListQuerySchema }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, `${VIEWS}/list.njk`, async () => {
      const lang = request.lang;
      const q = request.query;
      const [list, sections, years] = await Promise.all([
        service.listPublicProposals(db, request.tenant.id, q),
        sectionMap(request.tenant.id),
        service.proposalStatistics(db, request.tenant.id),
      ]);
      const page = (offset: number) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries({ q: q.q, status: q.status, decision: q.decision, section: q.section, fiscalYear: q.fiscalYear })) {
          if (v !== undefined && v !== '') params.set(k, String(v));
        }
        if (q.limit !== 50) params.set('limit', String(q.limit));
        if (offset > 0) params.set('offset', String(offset));
        const s = params.toString();
        return s ? `/proposals?${s}` : '/proposals';
      };
      const user = viewer(request);
      const title = t(lang, 'proposals.list.title');
      return {
        title,
        items: list.items.map((p) => publicView(p, lang, sections)),
        total: list.total,
        range: list.items.length ? { from: q.offset + 1, to: q.offset + list.items.length } : null,
        previous: q.offset > 0 ? page(Math.max(0, q.offset - q.limit)) : null,
        next: q.offset + list.items.length < list.total ? page(q.offset + q.limit) : null,
        query: { q: q.q ?? '', status: q.status ?? '', decision: q.decision ?? '', section: q.section ?? '', fiscalYear: q.fiscalYear ? String(q.fiscalYear) : '' },
        statusOptions: [{ value: '', label: t(lang, 'proposals.list.any') }, ...LISTED.map((s) => ({ value: s, label: statusLabel(s, lang) }))],
        decisionOptions: [{ value: '', label: t(lang, 'proposals.list.any') }, ...DECISIONS.map((d) => ({ value: d, label: decisionLabel(d, lang) }))],
        sectionOptions: [{ value: '', label: t(lang, 'proposals.list.any') }, ...[...sections].map(([code, name]) => ({ value: code, label: `${code} ${name}` }))],
        yearOptions: [{ value: '', label: t(lang, 'proposals.list.any') }, ...years.map((y) => ({ value: String(y.fiscalYear), label: fiscalYearText(y.fiscalYear, lang).main }))],
        anyDemo: list.items.some((p) => p.demo),
        canSubmit: !user || canSubmitProposal(user),
        staff: isStaff(user),
        breadcrumbs: [home(lang), { label: title }],
      };
    }),
  );

  pages.get('/proposals/about', { schema: hidden, config: PUBLIC }, async (request, reply) => {
    const lang = request.lang;
    const title = t(lang, 'proposals.about.title');
    const days = await deps.settings.get<number>(db, request.tenant.id, ANSWER_DAYS);
    return reply.page(`${VIEWS}/about.njk`, {
      title,
      days,
      decisions: DECISIONS.map((d) => decisionLabel(d, lang)),
      grounds: DECLINE_GROUNDS.map((g) => groundLabel(g, lang)),
      breadcrumbs: publicCrumbs(lang, { label: title }),
    });
  });

  pages.get('/proposals/statistics', { schema: hidden, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, `${VIEWS}/statistics.njk`, async () => {
      const lang = request.lang;
      const title = t(lang, 'proposals.stats.title');
      const rows = statisticsRows(await service.proposalStatistics(db, request.tenant.id), lang);
      return {
        title,
        rows,
        decisions: DECISIONS.map((d) => decisionLabel(d, lang)),
        anyDemo: rows.some((r) => r.demo),
        breadcrumbs: publicCrumbs(lang, { label: title }),
      };
    }),
  );

  // ---------------------------------------------------------------- submitting

  async function renderSubmitForm(
    request: FastifyRequest,
    reply: FastifyReply,
    values: SubmitValues,
    errors: FieldError[],
    draft: { id: string; files: ReturnType<typeof attachmentLinks>; saved: boolean } | null = null,
  ) {
    const lang = request.lang;
    const heading = t(lang, draft ? 'proposals.draft.title' : 'proposals.new.title');
    const sections = await currentPlanSections(db, request.tenant.id);
    return reply.code(errors.length ? 400 : 200).page(`${VIEWS}/form.njk`, {
      title: formTitle(heading, errors, lang),
      heading,
      action: draft ? `/my/drafts/${draft.id}` : '/proposals/new',
      draft,
      values,
      errors,
      days: await deps.settings.get<number>(db, request.tenant.id, ANSWER_DAYS),
      limits: LIMITS,
      sectionOptions: [{ value: '', label: t(lang, 'proposals.field.noSection') }, ...sections.map((s) => ({ value: s.code, label: `${s.code} ${s.title}` }))],
      fileSlots: Math.max(0, LIMITS.attachments - (draft?.files.length ?? 0)),
      grounds: DECLINE_GROUNDS.map((g) => groundLabel(g, lang)),
      breadcrumbs: draft ? mineCrumbs(lang, { label: heading }) : publicCrumbs(lang, { label: heading }),
    });
  }

  const noValues = (): SubmitValues => ({ title: '', body: '', section: '', area: '', public: '', file1: '', file2: '', file3: '' });
  const formFiles = (request: FastifyRequest) => uploadsOf(request).filter((f) => FILE_FIELDS.has(f.field));
  const ordered = (errors: FieldError[], fields: readonly string[]) => [...errors].sort((a, b) => rank(a.path, fields) - rank(b.path, fields));

  pages.get('/proposals/new', { schema: hidden, config: CITIZEN }, async (request, reply) => renderSubmitForm(request, reply, noValues(), []));

  pages.post('/proposals/new', { schema: hidden, config: CITIZEN, ...UPLOAD_ROUTE }, async (request, reply) => {
    const user = requireUser(request.auth);
    const { values, input, intent } = submitInput(request.body);
    try {
      const result = await service.submitProposal(deps, request.tenant, { user, ip: request.ip }, { ...input, draft: intent === 'draft' }, request.lang, formFiles(request));
      return reply.redirect(result.number ? `/my/proposals/${result.number}?submitted=1` : `/my/drafts/${result.id}?saved=1`, 303);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return renderSubmitForm(request, reply, values, ordered(err.errors, SUBMIT_FIELDS));
      throw err;
    }
  });

  pages.get('/my/drafts/:id', { schema: { ...hidden, params: IdParam, querystring: z.object({ saved: z.string().optional() }) }, config: CITIZEN }, async (request, reply) => {
    const { proposal, attachments } = await service.ownDraft(db, request.tenant, requireUser(request.auth), request.params.id);
    const values = { ...noValues(), title: proposal.title, body: proposal.body, section: proposal.sectionCode ?? '', area: proposal.area ?? '', public: proposal.wantsPublic ? 'yes' : 'no' };
    return renderSubmitForm(request, reply, values, [], { id: proposal.id, files: attachmentLinks(attachments), saved: request.query.saved === '1' });
  });

  pages.post('/my/drafts/:id', { schema: { ...hidden, params: IdParam }, config: CITIZEN, ...UPLOAD_ROUTE }, async (request, reply) => {
    const user = requireUser(request.auth);
    const { values, input, intent } = submitInput(request.body);
    try {
      const result = await service.updateDraft(deps, request.tenant, { user, ip: request.ip }, request.params.id, input, request.lang, {
        submit: intent === 'submit',
        files: formFiles(request),
      });
      return reply.redirect(result.number ? `/my/proposals/${result.number}?submitted=1` : `/my/drafts/${result.id}?saved=1`, 303);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') {
        const { attachments } = await service.ownDraft(db, request.tenant, user, request.params.id);
        return renderSubmitForm(request, reply, values, ordered(err.errors, SUBMIT_FIELDS), { id: request.params.id, files: attachmentLinks(attachments), saved: false });
      }
      throw err;
    }
  });

  pages.post('/my/drafts/:id/delete', { schema: { ...hidden, params: IdParam }, config: CITIZEN }, async (request, reply) => {
    await service.deleteDraft(deps, request.tenant, requireUser(request.auth), request.params.id);
    return reply.redirect('/my/proposals?deleted=1', 303);
  });

  // ---------------------------------------------------------------- the proposer's own

  pages.get('/my/proposals', { schema: { ...hidden, querystring: z.object({ deleted: z.string().optional() }) }, config: CITIZEN }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const title = t(lang, 'proposals.mine.title');
    const rows = ownRows(await service.listOwnProposals(db, request.tenant, user), lang);
    return reply.page(`${VIEWS}/mine.njk`, { title, ...rows, deleted: request.query.deleted === '1', breadcrumbs: [home(lang), { label: title }] });
  });

  pages.get(
    '/my/proposals/:number',
    { schema: { ...hidden, params: NumberParam, querystring: z.object({ submitted: z.string().optional(), withdrawn: z.string().optional() }) }, config: CITIZEN },
    async (request, reply) => {
      const lang = request.lang;
      const user = requireUser(request.auth);
      const { proposal: p, events, attachments } = await service.ownProposal(db, request.tenant, user, request.params.number);
      const names = await departmentNames(db, request.tenant.id);
      const sections = await sectionMap(request.tenant.id);
      const approved = p.answerState === 'approved';
      const title = t(lang, 'proposals.detail.title', { number: p.number! });
      const publication = !p.wantsPublic ? 'private' : p.hiddenAt ? 'hidden' : p.moderation;
      return reply.page(`${VIEWS}/own.njk`, {
        title,
        p: {
          number: p.number,
          title: p.title,
          body: p.body,
          status: statusLabel(visibleStatus(p), lang),
          channel: t(lang, `proposals.channel.${p.channel}`),
          section: p.sectionCode ? `${p.sectionCode} ${sections.get(p.sectionCode) ?? ''}` : null,
          area: p.area,
          receivedOn: dateText(p.receivedOn!, lang),
          answerDueOn: dateText(p.answerDueOn!, lang),
          extension: p.dueExtendedOn ? t(lang, 'proposals.detail.extendedBecause', { date: dateText(p.dueExtendedOn, lang).main, reason: p.dueExtendedReason! }) : null,
          department: p.departmentCode ? (lang === 'ja' ? names.get(p.departmentCode)?.nameJa : names.get(p.departmentCode)?.nameEn) ?? p.departmentCode : null,
          decision: approved ? decisionLabel(p.decision!, lang) : null,
          answer: approved ? p.answerText : null,
          answeredOn: approved && p.answeredOn ? dateText(p.answeredOn, lang) : null,
          implementedOn: p.implementedOn ? dateText(p.implementedOn, lang) : null,
          implementationNote: p.implementationNote,
          declined: p.declineGround ? t(lang, 'proposals.mine.declinedGround', { ground: groundLabel(p.declineGround, lang) }) : null,
          declineNote: p.declineNote,
          publication: t(lang, `proposals.publication.${publication}`),
          publicHref: isPublicProposal(p) ? `/proposals/${p.number}` : null,
          supports: p.supports,
          demo: p.isDemo,
        },
        history: historyRows(events, names, lang, false),
        files: attachmentLinks(attachments),
        canWithdraw: refusalOf('withdraw', caseState(p)) === null,
        submitted: request.query.submitted === '1',
        withdrawn: request.query.withdrawn === '1',
        breadcrumbs: mineCrumbs(lang, { label: title }),
      });
    },
  );

  pages.post('/my/proposals/:number/withdraw', { schema: { ...hidden, params: NumberParam }, config: CITIZEN }, async (request, reply) => {
    await actions.withdrawProposal(deps, request.tenant, requireUser(request.auth), request.params.number);
    return reply.redirect(`/my/proposals/${request.params.number}?withdrawn=1`, 303);
  });

  pages.get('/proposal-files/:fileId', { schema: { ...hidden, params: z.object({ fileId: z.uuid() }) }, config: USER }, async (request, reply) => {
    const file = await service.attachmentFor(db, request.tenant, requireUser(request.auth), request.params.fileId);
    return reply.headers(downloadHeaders(file)).send(file.content);
  });

  // ---------------------------------------------------------------- public detail, support, report

  async function renderDetail(request: FastifyRequest, reply: FastifyReply, number: string, extra: { errors?: FieldError[]; reason?: string; notice?: string | null } = {}) {
    const lang = request.lang;
    const { item, proposal } = await service.getPublicProposal(db, request.tenant.id, number);
    const user = viewer(request);
    const view = publicView(item, lang, await sectionMap(request.tenant.id));
    const errors = extra.errors ?? [];
    const title = t(lang, 'proposals.detail.title', { number: item.number });
    return {
      title: formTitle(title, errors, lang),
      heading: title,
      p: view,
      signedIn: user !== null,
      canSupport: user !== null && canSupportProposal(user, proposal),
      supported: await service.hasSupported(db, request.tenant.id, proposal.id, user),
      own: user !== null && proposal.proposerId === user.id,
      staffHref: user && isStaff(user) ? `/staff/proposals/${item.number}` : null,
      errors,
      reason: extra.reason ?? '',
      notice: extra.notice ?? null,
      loginHref: `/login?next=${encodeURIComponent(`/proposals/${item.number}`)}`,
      breadcrumbs: publicCrumbs(lang, { label: title }),
    };
  }

  pages.get(
    '/proposals/:number',
    { schema: { ...hidden, params: NumberParam, querystring: z.object({ supported: z.string().optional(), reported: z.string().optional() }) }, config: PUBLIC },
    async (request, reply) => {
      const notice = request.query.supported === '1' ? 'proposals.detail.supportDone' : request.query.reported === '1' ? 'proposals.detail.reportDone' : null;
      if (notice) return reply.page(`${VIEWS}/detail.njk`, await renderDetail(request, reply, request.params.number, { notice: t(request.lang, notice) }));
      return publicPage(request, reply, `${VIEWS}/detail.njk`, () => renderDetail(request, reply, request.params.number));
    },
  );

  pages.post('/proposals/:number/support', { schema: { ...hidden, params: NumberParam }, config: CITIZEN }, async (request, reply) => {
    await actions.supportProposal(deps, request.tenant, { user: requireUser(request.auth), ip: request.ip }, request.params.number);
    return reply.redirect(`/proposals/${request.params.number}?supported=1`, 303);
  });

  pages.post('/proposals/:number/report', { schema: { ...hidden, params: NumberParam }, config: USER }, async (request, reply) => {
    const form = readForm(ReportSchema, formValues(request.body, REPORT_FIELDS), REPORT_FIELDS, request.lang);
    const render = async (errors: FieldError[]) =>
      reply.code(400).page(`${VIEWS}/detail.njk`, await renderDetail(request, reply, request.params.number, { errors, reason: form.values.reason }));
    if (!form.ok) return render(form.errors);
    try {
      await actions.reportProposal(deps, request.tenant, { user: requireUser(request.auth), ip: request.ip }, request.params.number, form.value);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return render(err.errors);
      throw err;
    }
    return reply.redirect(`/proposals/${request.params.number}?reported=1`, 303);
  });

  // ---------------------------------------------------------------- staff lists

  pages.get('/staff/proposals', { schema: { ...hidden, querystring: InboxQuerySchema }, config: STAFF }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const now = deps.clock.now();
    const day = todayJst(now);
    const inbox = await service.staffInbox(db, request.tenant, user, request.query, day);
    const names = await departmentNames(db, request.tenant.id);
    const manager = canManageProposals(user);
    const views = (manager ? (['intake', 'department', 'all'] as const) : (['department'] as const)).map((v) => ({
      href: `/staff/proposals?view=${v}`,
      label: t(lang, `proposals.staff.view.${v}`),
      current: v === inbox.view,
    }));
    const title = t(lang, 'proposals.staff.title');
    return reply.page(`${VIEWS}/staff-inbox.njk`, {
      title,
      views,
      viewLabel: t(lang, `proposals.staff.view.${inbox.view}`),
      rows: inbox.items.map((p) => inboxRow(p, names, lang, day)),
      total: inbox.total,
      work: await workItems({ sql: db, tenantId: request.tenant.id, user, lang, today: day, now }),
      manager,
      view: inbox.view,
      status: request.query.status ?? '',
      statusOptions: [{ value: '', label: t(lang, 'proposals.list.any') }, ...(['received', 'assigned', 'answered', 'implemented', 'withdrawn', 'declined'] as const).map((s) => ({ value: s, label: statusLabel(s, lang) }))],
      breadcrumbs: [home(lang), { label: title }],
    });
  });

  pages.get('/staff/proposals/overdue', { schema: hidden, config: STAFF }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const names = await departmentNames(db, request.tenant.id);
    const day = today();
    const title = t(lang, 'proposals.staff.overdue');
    const rows = (await service.overdueProposals(db, request.tenant, user, day)).map((p) => inboxRow(p, names, lang, day));
    return reply.page(`${VIEWS}/staff-list.njk`, { title, lead: t(lang, 'proposals.staff.overdueLead'), rows, breadcrumbs: staffCrumbs(lang, { label: title }) });
  });

  pages.get('/staff/proposals/approvals', { schema: hidden, config: MANAGERS }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const names = await departmentNames(db, request.tenant.id);
    const title = t(lang, 'proposals.staff.approvals');
    const rows = (await service.answersAwaitingApproval(db, request.tenant, user)).map((p) => ({ ...inboxRow(p, names, lang, today()), decision: decisionLabel(p.decision!, lang), answer: p.answerText }));
    return reply.page(`${VIEWS}/staff-list.njk`, { title, lead: t(lang, 'proposals.staff.approvalsLead'), rows, withAnswer: true, breadcrumbs: staffCrumbs(lang, { label: title }) });
  });

  pages.get('/staff/proposals/moderation', { schema: hidden, config: MANAGERS }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const names = await departmentNames(db, request.tenant.id);
    const queue = await service.moderationQueue(db, request.tenant, user);
    const title = t(lang, 'proposals.staff.moderation');
    return reply.page(`${VIEWS}/staff-moderation.njk`, {
      title,
      pending: queue.pending.map((p) => inboxRow(p, names, lang, today())),
      reports: queue.reports.map((r) => ({ href: `/staff/proposals/${r.number}`, number: r.number, title: r.title, reason: r.reason, at: dateText(todayJst(r.createdAt), lang) })),
      breadcrumbs: staffCrumbs(lang, { label: title }),
    });
  });

  // ---------------------------------------------------------------- keying in

  async function renderIntake(request: FastifyRequest, reply: FastifyReply, values: IntakeValues, errors: FieldError[], done: string | null = null) {
    const lang = request.lang;
    const heading = t(lang, 'proposals.staff.keyIn');
    const sections = await currentPlanSections(db, request.tenant.id);
    return reply.code(errors.length ? 400 : 200).page(`${VIEWS}/staff-intake.njk`, {
      title: formTitle(heading, errors, lang),
      heading,
      values,
      errors,
      done,
      limits: LIMITS,
      channelOptions: [
        { value: '', label: t(lang, 'proposals.error.choose') },
        { value: 'letter', label: t(lang, 'proposals.channel.letter') },
        { value: 'counter', label: t(lang, 'proposals.channel.counter') },
      ],
      sectionOptions: [{ value: '', label: t(lang, 'proposals.field.noSection') }, ...sections.map((s) => ({ value: s.code, label: `${s.code} ${s.title}` }))],
      breadcrumbs: staffCrumbs(lang, { label: heading }),
    });
  }

  const noIntake = (): IntakeValues => Object.fromEntries(INTAKE_FIELDS.map((f) => [f, ''])) as IntakeValues;

  pages.get('/staff/proposals/new', { schema: { ...hidden, querystring: z.object({ done: z.string().max(20).optional() }) }, config: STAFF }, async (request, reply) =>
    renderIntake(request, reply, noIntake(), [], request.query.done ?? null),
  );

  pages.post('/staff/proposals/new', { schema: hidden, config: STAFF, ...UPLOAD_ROUTE }, async (request, reply) => {
    const user = requireUser(request.auth);
    const { values, input } = intakeInput(request.body);
    try {
      const result = await service.keyInProposal(deps, request.tenant, user, input, request.lang, formFiles(request));
      return reply.redirect(`/staff/proposals/new?done=${result.number}`, 303);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return renderIntake(request, reply, values, ordered(err.errors, INTAKE_FIELDS));
      throw err;
    }
  });

  // ---------------------------------------------------------------- the staff case page

  async function renderCase(
    request: FastifyRequest,
    reply: FastifyReply,
    number: string,
    options: { errors?: FieldError[]; values?: Record<string, string>; status?: number; notice?: string | null; problem?: string | null } = {},
  ) {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const day = today();
    const c = await service.staffCase(deps, db, request.tenant, user, number, day);
    const p = c.proposal;
    const names = await departmentNames(db, request.tenant.id);
    const sections = await sectionMap(request.tenant.id);
    const s = caseState(p);
    const can = (a: Action) => refusalOf(a, s) === null;
    const manager = canManageProposals(user);
    const available = {
      assign: manager && can('assign'),
      transfer: manager && can('transfer'),
      answer: canAnswerProposal(user, p) && can('answer'),
      approve: manager && can('approveAnswer'),
      implement: canImplementProposal(user, p) && can('implement'),
      extend: canExtendProposal(user, p) && can('extend'),
      decline: manager && can('decline'),
      moderate: manager && (can('publish') || can('refusePublication')) && p.status !== 'withdrawn' && p.status !== 'declined',
      publishAllowed: can('publish'),
      hide: canHideProposal(user, p) && can('hide'),
      unhide: canHideProposal(user, p) && can('unhide'),
      dismissReports: canHideProposal(user, p) && c.reports.length > 0,
    };
    const departments = (await listDepartments(db, request.tenant.id, { activeOnly: true })).filter((d) => d.code !== p.departmentCode);
    const errors = options.errors ?? [];
    const v = options.values ?? {};
    const value = (name: string, fallback: string) => (name in v ? v[name]! : fallback);
    const title = t(lang, 'proposals.staff.case', { number: p.number! });
    const due = dateText(p.answerDueOn!, lang);
    return reply.code(options.status ?? (errors.length ? 400 : 200)).page(`${VIEWS}/staff-case.njk`, {
      title: formTitle(title, errors, lang),
      heading: title,
      number: p.number,
      p: {
        title: p.title,
        body: p.body,
        publicTitle: p.publicTitle,
        publicBody: p.publicBody,
        status: p.status === 'answered' && p.answerState === 'submitted' ? t(lang, 'proposals.status.awaitingApproval') : statusLabel(p.status, lang),
        channel: t(lang, `proposals.channel.${p.channel}`),
        section: p.sectionCode ? `${p.sectionCode} ${sections.get(p.sectionCode) ?? ''}` : null,
        area: p.area,
        receivedOn: dateText(p.receivedOn!, lang),
        answerDueOn: due,
        overdue: c.overdue,
        extension: p.dueExtendedOn ? t(lang, 'proposals.detail.extendedBecause', { date: dateText(p.dueExtendedOn, lang).main, reason: p.dueExtendedReason! }) : null,
        department: p.departmentCode ? ((lang === 'ja' ? names.get(p.departmentCode)?.nameJa : names.get(p.departmentCode)?.nameEn) ?? p.departmentCode) : null,
        answer: p.answerState
          ? { state: p.answerState, decision: decisionLabel(p.decision!, lang), text: p.answerText, answeredOn: p.answeredOn ? dateText(p.answeredOn, lang) : null }
          : null,
        implementedOn: p.implementedOn ? dateText(p.implementedOn, lang) : null,
        implementationNote: p.implementationNote,
        declined: p.declineGround ? groundLabel(p.declineGround, lang) : null,
        declineNote: p.declineNote,
        publication: t(lang, `proposals.publication.${!p.wantsPublic ? 'private' : p.hiddenAt ? 'hidden' : p.moderation}`),
        hiddenReason: p.hiddenReason,
        publicHref: isPublicProposal(p) ? `/proposals/${p.number}` : null,
        supports: p.supports,
        demo: p.isDemo,
      },
      contact: c.contact,
      files: attachmentLinks(c.attachments),
      reports: c.reports.map((r) => ({ reason: r.reason, at: dateText(todayJst(r.createdAt), lang) })),
      history: historyRows(c.events, names, lang, true),
      available,
      anyAction: Object.entries(available).some(([k, on]) => on && k !== 'publishAllowed'),
      departmentOptions: [{ value: '', label: t(lang, 'proposals.error.choose') }, ...departments.map((d) => ({ value: d.code, label: lang === 'ja' ? d.nameJa : d.nameEn }))],
      decisionOptions: decisionOptions(lang, t(lang, 'proposals.error.choose')),
      groundOptions: groundOptions(lang, t(lang, 'proposals.error.choose')),
      values: {
        'assign-department': value('assign-department', ''),
        'assign-note': value('assign-note', ''),
        'answer-decision': value('answer-decision', p.answerState === 'draft' ? (p.decision ?? '') : ''),
        'answer-text': value('answer-text', p.answerState === 'draft' ? (p.answerText ?? '') : ''),
        'return-answer-note': value('return-answer-note', ''),
        'implement-on': value('implement-on', day),
        'implement-note': value('implement-note', ''),
        'extend-until': value('extend-until', ''),
        'extend-reason': value('extend-reason', ''),
        'decline-ground': value('decline-ground', ''),
        'decline-note': value('decline-note', ''),
        'moderate-title': value('moderate-title', p.publicTitle ?? p.title),
        'moderate-body': value('moderate-body', p.publicBody ?? p.body),
        'moderate-reason': value('moderate-reason', ''),
        'hide-reason': value('hide-reason', ''),
      },
      errors,
      notice: options.notice ?? null,
      problem: options.problem ?? null,
      limits: LIMITS,
      breadcrumbs: staffCrumbs(lang, { label: title }),
    });
  }

  pages.get(
    '/staff/proposals/:number',
    { schema: { ...hidden, params: NumberParam, querystring: z.object({ done: z.enum(Object.keys(ACTION_FORMS) as [StaffAction, ...StaffAction[]]).optional().catch(undefined) }) }, config: STAFF },
    async (request, reply) => {
      const done = request.query.done;
      return renderCase(request, reply, request.params.number, { notice: done ? t(request.lang, 'proposals.staff.done', { action: actionName(done, request.lang) }) : null });
    },
  );

  const run: Record<StaffAction, (request: FastifyRequest<{ Params: { number: string } }>, input: never) => Promise<unknown>> = {
    assign: (r, input) => actions.assignProposal(deps, r.tenant, requireUser(r.auth), r.params.number, input, r.lang),
    answer: (r, input) => actions.answerProposal(deps, r.tenant, requireUser(r.auth), r.params.number, input),
    'approve-answer': (r) => actions.approveAnswer(deps, r.tenant, requireUser(r.auth), r.params.number),
    'return-answer': (r, input) => actions.returnAnswer(deps, r.tenant, requireUser(r.auth), r.params.number, input),
    implement: (r, input) => actions.implementProposal(deps, r.tenant, requireUser(r.auth), r.params.number, input, r.lang),
    extend: (r, input) => actions.extendDueDate(deps, r.tenant, requireUser(r.auth), r.params.number, input, r.lang),
    decline: (r, input) => actions.declineProposal(deps, r.tenant, requireUser(r.auth), r.params.number, input),
    moderate: (r, input) => actions.moderateProposal(deps, r.tenant, requireUser(r.auth), r.params.number, input),
    hide: (r, input) => actions.hideProposal(deps, r.tenant, requireUser(r.auth), r.params.number, input),
    unhide: (r) => actions.unhideProposal(deps, r.tenant, requireUser(r.auth), r.params.number),
    'dismiss-reports': (r) => actions.dismissReports(deps, r.tenant, requireUser(r.auth), r.params.number),
  };

  for (const action of Object.keys(ACTION_FORMS) as StaffAction[]) {
    pages.post(
      `/staff/proposals/:number/${action}`,
      { schema: { ...hidden, params: NumberParam }, config: MANAGER_ACTIONS.has(action) ? MANAGERS : STAFF },
      async (request, reply) => {
        const form = ACTION_FORMS[action];
        const values = actionValues(action, request.body);
        const typed = Object.fromEntries(form.fields.map((f) => [`${action}-${f}`, values[f] ?? '']));
        const parsed = readForm(form.schema, form.toInput(values), form.fields, request.lang);
        if (!parsed.ok) return renderCase(request, reply, request.params.number, { errors: prefixErrors(action, parsed.errors), values: typed });
        try {
          await run[action](request as unknown as FastifyRequest<{ Params: { number: string } }>, parsed.value as never);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          if (err.code === 'validation') return renderCase(request, reply, request.params.number, { errors: prefixErrors(action, err.errors), values: typed });
          // A refusal (403 / 409) shows on the case page; a proposal this user may not see is a 404.
          if (err.code === 'conflict' || (err.code === 'forbidden' && err.detail)) {
            return renderCase(request, reply, request.params.number, { status: err.status, problem: err.detail?.[request.lang] ?? err.message });
          }
          throw err;
        }
        return reply.redirect(`/staff/proposals/${request.params.number}?done=${action}`, 303);
      },
    );
  }
}

/** The name of a staff action as its button says it. */
function actionName(action: StaffAction, lang: Lang): string {
  const key: Record<StaffAction, string> = {
    assign: 'proposals.action.assign',
    answer: 'proposals.action.answer',
    'approve-answer': 'proposals.action.approve',
    'return-answer': 'proposals.action.return',
    implement: 'proposals.action.implement',
    extend: 'proposals.action.extend',
    decline: 'proposals.action.decline',
    moderate: 'proposals.action.moderate',
    hide: 'proposals.action.hide',
    unhide: 'proposals.action.unhide',
    'dismiss-reports': 'proposals.action.dismissReports',
  };
  return translate(lang, key[action]);
}

/** Where a field's error goes in the summary: in the order of the form's fields. */
function rank(path: string, fields: readonly string[]): number {
  const i = fields.indexOf(path);
  return i < 0 ? fields.length : i;
}
