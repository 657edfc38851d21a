/**
 * The registry's pages, server-rendered and working without JavaScript: the public directory
 * with its search and each group's page; the application form (with documents), the
 * applicant's own groups (correct, change, renew, deregister); the staff queue, a group's record
 * with the review actions, and the import of an existing registry.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { formatDateBoth, formatDateEn, todayJst } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { downloadHeaders, loadFile } from '../../core/files.ts';
import { formTitle } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { acceptMultipart, readUploadForm, uploadsOf } from '../../core/multipart.ts';
import { HTML_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import type { PageData } from '../../core/web.ts';
import type { AppDeps } from '../module.ts';
import { emptyProfile, fieldChoices, formErrors, profileFormValues, profileInput, publishChoices, registrationProfile, type ProfileFormValues } from './groups.forms.ts';
import { importRegistry } from './groups.import.ts';
import './groups.messages.ts';
import { isStaff, REGISTRY_DEPARTMENT } from './groups.policy.ts';
import type { GroupEvent, Registration } from './groups.repository.ts';
import { fieldName, fieldShortName, LEGAL_FORMS, refusalOf, statusName, STATUSES } from './groups.rules.ts';
import { IdParam, LIMITS, ListQuerySchema, NumberParam, StaffQuerySchema, type PublicGroup } from './groups.schema.ts';
import * as service from './groups.service.ts';

const VIEWS = 'groups/views';
const hidden = { hide: true };
const PUBLIC = { access: access.public };
const USER = { access: access.user };
const CITIZEN = { access: access.roles('citizen') };
const STAFF = { access: access.staff };
const UPLOAD_ROUTE = { bodyLimit: 25 * 1024 * 1024, preValidation: readUploadForm };
const DOCUMENT_FIELDS = new Set(['rules', 'memberList', 'plan']);

const STAFF_ACTIONS = ['approve', 'return', 'refuse', 'renew', 'deregister', 'approve-change', 'reject-change'] as const;
type StaffAction = (typeof STAFF_ACTIONS)[number];

export function groupPageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();
  const today = () => todayJst(deps.clock.now());
  acceptMultipart(app, { fileSize: Math.max(LIMITS.documentBytes, 10 * 1024 * 1024), files: LIMITS.documents, fields: 80 });

  const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const date = (d: string | null, lang: Lang) => (d ? (lang === 'ja' ? formatDateBoth(d) : formatDateEn(d)) : '');
  const home = (lang: Lang): Breadcrumb => ({ href: '/', label: t(lang, 'shell.home') });
  const dirCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/groups', label: t(lang, 'groups.list.title') }, ...rest];
  const mineCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/my/groups', label: t(lang, 'groups.mine.title') }, ...rest];
  const staffCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/staff/groups', label: t(lang, 'groups.staff.title') }, ...rest];
  const viewer = (request: FastifyRequest): AuthUser | null => {
    const { user, mfaPassed, via } = request.auth;
    if (!user) return null;
    return isStaff(user) && !mfaPassed && via !== 'token' ? null : user;
  };
  const publicPage = async (request: FastifyRequest, reply: FastifyReply, template: string, build: () => Promise<PageData>) => {
    if (request.auth.user) return reply.page(template, await build());
    return sendPublicRead(db, request, reply, { scopes: [service.GROUPS_SCOPE], type: HTML_TYPE, today: today(), produce: async () => reply.pageHtml(template, await build()) });
  };
  const groupView = (g: PublicGroup, lang: Lang) => ({
    ...g,
    href: `/groups/${encodeURIComponent(g.number)}`,
    fieldNames: g.fields.map((f) => fieldShortName(f, lang)),
    fieldFullNames: g.fields.map((f) => fieldName(f, lang)),
    validUntilText: date(g.validUntil, lang),
    registeredOnText: date(g.registeredOn, lang),
    foundedOnText: g.foundedOn ? date(g.foundedOn, lang) : null,
  });
  const historyRows = (events: readonly GroupEvent[], lang: Lang) =>
    events.map((e) => ({ date: date(e.onDate, lang), what: t(lang, `groups.event.${e.kind}`), note: e.note ?? (typeof e.details.validUntil === 'string' ? `${t(lang, 'groups.field.validUntil')}: ${date(e.details.validUntil, lang)}` : '') }));
  const summary = (r: Registration, lang: Lang) => ({
    id: r.id,
    status: statusName(r.status, lang),
    statusCode: r.status,
    number: r.number,
    name: r.name,
    nameKana: r.nameKana,
    representative: r.representative,
    appliedOn: date(r.appliedOn, lang),
    validUntil: date(r.validUntil, lang),
    changePending: r.pendingChange !== null,
    renewalRequested: r.renewalRequestedOn !== null,
    demo: r.isDemo,
  });
  const profileRows = (v: ProfileFormValues, lang: Lang) => [
    [t(lang, 'groups.field.name'), v.name],
    [t(lang, 'groups.field.nameKana'), v.nameKana],
    [t(lang, 'groups.field.legalForm'), v.legalForm],
    [t(lang, 'groups.field.representative'), v.representative],
    [t(lang, 'groups.field.fields'), v.fields.map((f) => `${f}. ${fieldName(f, lang)}`).join(' / ')],
    [t(lang, 'groups.field.area'), v.area],
    [t(lang, 'groups.field.purpose'), v.purpose],
    [t(lang, 'groups.field.activities'), v.activities],
    [t(lang, 'groups.field.foundedOn'), v.foundedOn],
    [t(lang, 'groups.field.members'), v.members],
    [t(lang, 'groups.field.publicContact'), v.publicContact],
    [t(lang, 'groups.field.privateContact'), v.privateContact],
    [t(lang, 'groups.field.website'), v.website],
    [t(lang, 'groups.field.fee'), v.fee],
    [t(lang, 'groups.field.publish'), v.publish.map((p) => t(lang, `groups.field.${p}`)).join(' / ')],
  ];

  // ---------------------------------------------------------------- the public directory

  pages.get('/groups', { schema: { ...hidden, querystring: ListQuerySchema.omit({ asOf: true, status: true }).extend({ field: z.union([z.literal(''), z.coerce.number().int().min(1).max(20)]).optional() }) }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, `${VIEWS}/list.njk`, async () => {
      const lang = request.lang;
      const q = request.query;
      const field = typeof q.field === 'number' ? q.field : undefined;
      const list = await service.listPublicGroups(db, request.tenant.id, { status: 'active', q: q.q, area: q.area, field, limit: q.limit, offset: q.offset }, today());
      const areas = await service.directoryAreas(db, request.tenant.id);
      const page = (offset: number) => {
        const params = new URLSearchParams();
        if (q.q) params.set('q', q.q);
        if (q.area) params.set('area', q.area);
        if (field) params.set('field', String(field));
        if (q.limit !== 50) params.set('limit', String(q.limit));
        if (offset > 0) params.set('offset', String(offset));
        const s = params.toString();
        return s ? `/groups?${s}` : '/groups';
      };
      const user = viewer(request);
      const title = t(lang, 'groups.list.title');
      return {
        title,
        items: list.items.map((g) => groupView(g, lang)),
        total: list.total,
        previous: q.offset > 0 ? page(Math.max(0, q.offset - q.limit)) : null,
        next: q.offset + list.items.length < list.total ? page(q.offset + q.limit) : null,
        query: { q: q.q ?? '', area: q.area ?? '', field: field ? String(field) : '' },
        fieldOptions: [{ value: '', label: t(lang, 'groups.list.any') }, ...Array.from({ length: 20 }, (_, i) => ({ value: String(i + 1), label: `${i + 1}. ${fieldShortName(i + 1, lang)}` }))],
        areaOptions: [{ value: '', label: t(lang, 'groups.list.any') }, ...areas.map((a) => ({ value: a, label: a }))],
        anyDemo: list.items.some((g) => g.demo),
        canApply: !user || user.role === 'citizen',
        breadcrumbs: [home(lang), { label: title }],
      };
    }),
  );

  pages.get('/groups/:number', { schema: { ...hidden, params: NumberParam }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, `${VIEWS}/detail.njk`, async () => {
      const lang = request.lang;
      const g = await service.publicGroup(db, request.tenant.id, request.params.number, today());
      return { title: g.name, g: { ...groupView(g, lang), active: g.active }, breadcrumbs: dirCrumbs(lang, { label: g.name }) };
    }),
  );

  // ---------------------------------------------------------------- applying

  type FormMode = { kind: 'apply' } | { kind: 'correct'; r: Registration } | { kind: 'change'; r: Registration };

  async function renderForm(request: FastifyRequest, reply: FastifyReply, mode: FormMode, values: ProfileFormValues, errors: FieldError[]) {
    const lang = request.lang;
    const heading = t(lang, mode.kind === 'apply' ? 'groups.apply.title' : mode.kind === 'correct' ? 'groups.apply.correctTitle' : 'groups.apply.changeTitle');
    return reply.code(errors.length ? 400 : 200).page(`${VIEWS}/form.njk`, {
      title: formTitle(heading, errors, lang),
      heading,
      mode: mode.kind,
      returnMessage: mode.kind === 'correct' ? mode.r.returnMessage : null,
      action: mode.kind === 'apply' ? '/groups/apply' : `/my/groups/${mode.r.id}/edit`,
      values,
      errors,
      legalForms: [{ value: '', label: lang === 'ja' ? '選んでください' : 'Choose' }, ...LEGAL_FORMS.map((f) => ({ value: f, label: f }))],
      fieldChoices: fieldChoices(lang, values.fields),
      publishChoices: publishChoices(lang, values.publish),
      withDocuments: mode.kind !== 'change',
      limits: LIMITS,
      breadcrumbs: mode.kind === 'apply' ? dirCrumbs(lang, { label: heading }) : mineCrumbs(lang, { label: heading }),
    });
  }
  const documents = (request: FastifyRequest) => uploadsOf(request).filter((f) => DOCUMENT_FIELDS.has(f.field));

  pages.get('/groups/apply', { schema: hidden, config: CITIZEN }, async (request, reply) => renderForm(request, reply, { kind: 'apply' }, emptyProfile(), []));

  pages.post('/groups/apply', { schema: hidden, config: CITIZEN, ...UPLOAD_ROUTE }, async (request, reply) => {
    const values = profileFormValues(request.body);
    try {
      await service.applyForRegistration(deps, request.tenant, requireUser(request.auth), profileInput(values), request.lang, documents(request));
      return reply.redirect('/my/groups?applied=1', 303);
    } catch (err) {
      if (err instanceof AppError && (err.code === 'validation' || (err.code === 'conflict' && err.errors.length))) {
        const errors = err.code === 'conflict' ? [{ path: 'name', message: err.detail?.[request.lang] ?? err.message }] : formErrors(err.errors);
        return renderForm(request, reply, { kind: 'apply' }, values, errors);
      }
      throw err;
    }
  });

  // ---------------------------------------------------------------- the applicant's own

  pages.get('/my/groups', { schema: { ...hidden, querystring: z.object({ applied: z.string().optional() }) }, config: CITIZEN }, async (request, reply) => {
    const lang = request.lang;
    const title = t(lang, 'groups.mine.title');
    const rows = await service.myRegistrations(deps, request.tenant.id, requireUser(request.auth));
    return reply.page(`${VIEWS}/mine.njk`, {
      title,
      rows: rows.map((r) => ({ ...summary(r.registration, lang), href: `/my/groups/${r.registration.id}` })),
      applied: request.query.applied === '1',
      breadcrumbs: [home(lang), { label: title }],
    });
  });

  pages.get('/my/groups/:id', { schema: { ...hidden, params: IdParam, querystring: z.object({ done: z.string().optional() }) }, config: CITIZEN }, async (request, reply) => {
    const lang = request.lang;
    const rec = await service.myRegistration(deps, request.tenant.id, requireUser(request.auth), request.params.id);
    const r = rec.registration;
    const values = registrationProfile(r, rec.privateContact);
    return reply.page(`${VIEWS}/own.njk`, {
      title: r.name,
      r: { ...summary(r, lang), returnMessage: r.returnMessage, refusalReason: r.refusalReason, renewalRequestedOn: r.renewalRequestedOn ? date(r.renewalRequestedOn, lang) : null },
      profile: profileRows(values, lang),
      history: historyRows(rec.events, lang),
      documents: rec.documents.map((d) => ({ href: `/group-files/${d.fileId}`, filename: d.filename, kind: d.kind })),
      canCorrect: r.status === 'returned',
      canChange: refusalOf('requestChange', r.status) === null && r.pendingChange === null,
      canRenew: refusalOf('renew', r.status) === null && r.renewalRequestedOn === null,
      canDeregister: refusalOf('deregister', r.status) === null,
      publicHref: r.number && r.status !== 'deregistered' ? `/groups/${encodeURIComponent(r.number)}` : null,
      done: request.query.done === '1',
      breadcrumbs: mineCrumbs(lang, { label: r.name }),
    });
  });

  pages.get('/my/groups/:id/edit', { schema: { ...hidden, params: IdParam }, config: CITIZEN }, async (request, reply) => {
    const rec = await service.myRegistration(deps, request.tenant.id, requireUser(request.auth), request.params.id);
    const r = rec.registration;
    if (r.status !== 'returned' && r.status !== 'registered') throw new AppError('conflict', refusalOf('requestChange', r.status)!);
    return renderForm(request, reply, r.status === 'returned' ? { kind: 'correct', r } : { kind: 'change', r }, registrationProfile(r, rec.privateContact), []);
  });

  pages.post('/my/groups/:id/edit', { schema: { ...hidden, params: IdParam }, config: CITIZEN, ...UPLOAD_ROUTE }, async (request, reply) => {
    const user = requireUser(request.auth);
    const rec = await service.myRegistration(deps, request.tenant.id, user, request.params.id);
    const r = rec.registration;
    const values = profileFormValues(request.body);
    const mode: FormMode = r.status === 'returned' ? { kind: 'correct', r } : { kind: 'change', r };
    try {
      if (mode.kind === 'correct') await service.resubmitApplication(deps, request.tenant, user, r.id, profileInput(values), request.lang, documents(request));
      else await service.requestChange(deps, request.tenant, user, r.id, profileInput(values), request.lang);
      return reply.redirect(`/my/groups/${r.id}?done=1`, 303);
    } catch (err) {
      if (err instanceof AppError && (err.code === 'validation' || (err.code === 'conflict' && err.errors.length))) {
        const errors = err.code === 'conflict' ? [{ path: 'name', message: err.detail?.[request.lang] ?? err.message }] : formErrors(err.errors);
        return renderForm(request, reply, mode, values, errors);
      }
      throw err;
    }
  });

  pages.post('/my/groups/:id/renewal', { schema: { ...hidden, params: IdParam }, config: CITIZEN }, async (request, reply) => {
    await service.requestRenewal(deps, request.tenant, requireUser(request.auth), request.params.id);
    return reply.redirect(`/my/groups/${request.params.id}?done=1`, 303);
  });

  pages.post('/my/groups/:id/deregister', { schema: { ...hidden, params: IdParam }, config: CITIZEN }, async (request, reply) => {
    await service.deregisterByApplicant(deps, request.tenant, requireUser(request.auth), request.params.id);
    return reply.redirect(`/my/groups/${request.params.id}?done=1`, 303);
  });

  pages.get('/group-files/:fileId', { schema: { ...hidden, params: z.object({ fileId: z.string().max(64) }) }, config: USER }, async (request, reply) => {
    await service.documentFor(deps, request.tenant.id, requireUser(request.auth), request.params.fileId);
    const file = await loadFile(db, request.tenant.id, 'groups', request.params.fileId);
    if (!file) throw new AppError('not_found');
    return reply.headers(downloadHeaders(file)).send(file.content);
  });

  // ---------------------------------------------------------------- staff

  pages.get('/staff/groups', { schema: { ...hidden, querystring: StaffQuerySchema.extend({ status: z.union([z.literal(''), z.enum(STATUSES)]).optional() }) }, config: STAFF }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const status = request.query.status || undefined;
    const list = await service.staffList(deps, request.tenant.id, user, { ...request.query, status });
    const title = t(lang, 'groups.staff.title');
    return reply.page(`${VIEWS}/staff-list.njk`, {
      title,
      rows: list.items.map((r) => ({ ...summary(r, lang), href: `/staff/groups/${r.id}` })),
      total: list.total,
      query: { q: request.query.q ?? '', status: status ?? '' },
      statusOptions: [{ value: '', label: t(lang, 'groups.list.any') }, ...STATUSES.map((s) => ({ value: s, label: statusName(s, lang) }))],
      canReview: await service.mayReview(deps, request.tenant.id, user),
      breadcrumbs: [home(lang), { label: title }],
    });
  });

  async function renderRecord(request: FastifyRequest, reply: FastifyReply, id: string, errors: FieldError[] = [], done = false) {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const rec = await service.staffRecord(deps, request.tenant.id, user, id);
    const r = rec.registration;
    const can = (a: Parameters<typeof refusalOf>[0]) => refusalOf(a, r.status) === null;
    const pending = r.pendingChange ? profileFormValues(Object.fromEntries(Object.entries(r.pendingChange).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]))) : null;
    if (pending && r.pendingChange) {
      pending.fields = (r.pendingChange.fields as number[] | undefined) ?? [];
      pending.publish = (r.pendingChange.publish as ProfileFormValues['publish'] | undefined) ?? [];
    }
    const current = registrationProfile(r, rec.privateContact);
    return reply.code(errors.length ? 400 : 200).page(`${VIEWS}/staff-record.njk`, {
      title: formTitle(r.name, errors, lang),
      r: { ...summary(r, lang), returnMessage: r.returnMessage, refusalReason: r.refusalReason, renewalRequestedOn: r.renewalRequestedOn ? date(r.renewalRequestedOn, lang) : null },
      profile: profileRows(current, lang),
      change: pending ? profileRows(pending, lang).map(([label, value], i) => ({ label, value, current: profileRows(current, lang)[i]![1], changed: value !== profileRows(current, lang)[i]![1] })) : null,
      history: historyRows(rec.events, lang),
      terms: rec.terms.filter((x) => x.endsOn >= x.startsOn).map((x) => ({ from: date(x.startsOn, lang), to: date(x.endsOn, lang) })),
      documents: rec.documents.map((d) => ({ href: `/group-files/${d.fileId}`, filename: d.filename, kind: d.kind })),
      canReview: await service.mayReview(deps, request.tenant.id, user),
      department: await deps.settings.get<string>(db, request.tenant.id, REGISTRY_DEPARTMENT),
      actions: { approve: can('approve'), return: can('return'), refuse: can('refuse'), renew: can('renew'), deregister: can('deregister'), change: can('reviewChange') && pending !== null },
      errors,
      done,
      breadcrumbs: staffCrumbs(lang, { label: r.name }),
    });
  }

  pages.get('/staff/groups/:id', { schema: { ...hidden, params: IdParam, querystring: z.object({ done: z.string().optional() }) }, config: STAFF }, async (request, reply) =>
    renderRecord(request, reply, request.params.id, [], request.query.done === '1'),
  );

  pages.post('/staff/groups/:id/:action', { schema: { ...hidden, params: IdParam.extend({ action: z.enum(STAFF_ACTIONS) }) }, config: STAFF }, async (request, reply) => {
    const user = requireUser(request.auth);
    const { id, action } = request.params;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const run: Record<StaffAction, () => Promise<unknown>> = {
      approve: () => service.approveRegistration(deps, request.tenant, user, id, { number: text('number'), note: text('note') }, request.lang),
      return: () => service.returnApplication(deps, request.tenant, user, id, { message: text('message') }, request.lang),
      refuse: () => service.refuseApplication(deps, request.tenant, user, id, { reason: text('reason') }, request.lang),
      renew: () => service.renewRegistration(deps, request.tenant, user, id, { note: text('note') }, request.lang),
      deregister: () => service.deregisterByStaff(deps, request.tenant, user, id, { note: text('note') }, request.lang),
      'approve-change': () => service.approveChange(deps, request.tenant, user, id),
      'reject-change': () => service.rejectChange(deps, request.tenant, user, id, { reason: text('reason') }, request.lang),
    };
    try {
      await run[action]();
      return reply.redirect(`/staff/groups/${id}?done=1`, 303);
    } catch (err) {
      if (err instanceof AppError && (err.code === 'validation' || err.code === 'conflict')) {
        const prefix = action === 'reject-change' ? 'rejectReason' : action === 'refuse' ? 'refuseReason' : '';
        const errors = err.errors.length
          ? err.errors.map((e) => ({ path: prefix && e.path === 'reason' ? prefix : e.path === 'number' ? 'approveNumber' : e.path, message: e.message }))
          : [{ path: `${action}-form`, message: err.detail?.[request.lang] ?? err.message }];
        return renderRecord(request, reply, id, errors);
      }
      throw err;
    }
  });

  // ---------------------------------------------------------------- import

  const renderImport = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, errors: FieldError[] = []) => {
    const lang = request.lang;
    const title = t(lang, 'groups.import.title');
    return reply.code(errors.length ? 400 : 200).page(`${VIEWS}/import.njk`, { title: formTitle(title, errors, lang), heading: title, errors, result: null, ...extra, breadcrumbs: staffCrumbs(lang, { label: title }) });
  };

  pages.get('/staff/groups/import', { schema: hidden, config: STAFF }, async (request, reply) => {
    await service.staffList(deps, request.tenant.id, requireUser(request.auth), { limit: 1, offset: 0 });
    return renderImport(request, reply);
  });

  pages.post('/staff/groups/import', { schema: hidden, config: STAFF, bodyLimit: 12 * 1024 * 1024, preValidation: readUploadForm }, async (request, reply) => {
    const lang = request.lang;
    const file = uploadsOf(request).find((f) => f.field === 'file');
    if (!file) return renderImport(request, reply, {}, [{ path: 'file', message: t(lang, 'groups.import.noFile') }]);
    const dryRun = ((request.body ?? {}) as Record<string, unknown>).dryRun === 'on';
    try {
      const result = await importRegistry(deps, request.tenant, requireUser(request.auth), file.bytes, { dryRun, lang });
      const errorsFound = result.problems.some((p) => p.severity === 'error');
      return renderImport(request, reply, {
        result: {
          ...result,
          summary: errorsFound ? t(lang, 'groups.import.refused') : dryRun ? t(lang, 'groups.import.checked', { rows: result.rows }) : t(lang, 'groups.import.result', { rows: result.rows, imported: result.imported }),
          failed: errorsFound,
          problems: result.problems.map((p) => ({ ...p, kind: t(lang, p.severity === 'error' ? 'groups.import.error' : 'groups.import.warning') })),
          columns: result.columns.map((c) => ({ header: c.header, field: c.field ? t(lang, `groups.field.${c.field}`) : t(lang, 'groups.import.ignored') })),
        },
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return renderImport(request, reply, {}, err.errors.map((e) => ({ path: 'file', message: e.message })));
      throw err;
    }
  });
}
