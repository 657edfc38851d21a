/**
 * The procedures pages, all working without JavaScript: the catalogue, the multi-page apply
 * form (the answers of other pages travel as hidden fields, so nothing is kept on the server
 * until the applicant submits from the check-your-answers page; the form's key makes a double
 * submit one application), the receipt, the inquiry, the statistics, and the department's
 * inbox and case page.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access } from '../../core/access.ts';
import { MFA_ROLES, requireUser } from '../../core/auth.ts';
import { fiscalYearOf, formatBothFiscalYear, todayJst } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { downloadHeaders, FILE_KINDS } from '../../core/files.ts';
import { acceptMultipart, readUploadFormWithLists, uploadsOf } from '../../core/multipart.ts';
import { findDepartment, listDepartments } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { filesOfForm, kindsText, stageFormUploads } from './procedures.attachments.ts';
import { answerText, FILE_LIMITS, fileRules, formatBytes, isFileAnswer, isShown, pageCount, pageOf, validateAnswers, type FieldDef, type FileAnswer } from './procedures.fields.ts';
import * as service from './procedures.service.ts';
import * as drafts from './procedures.drafts.ts';
import { STAFF_TARGETS, STATUSES, type Status } from './procedures.workflow.ts';

const VIEWS = 'procedures/views';
const PUBLIC = { access: access.public };
const STAFF = { access: access.staff };
const USER = { access: access.user };

const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);
const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** The raw answers a form post carries (a_<name>; postal a_<name> and a_<name>_address). */
function rawAnswers(fields: readonly FieldDef[], body: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const f of fields) {
    const key = `a_${f.name}`;
    // Files are held by the server (pending uploads), never carried in the form.
    if (f.type === 'file') continue;
    if (f.type === 'postal') {
      const code = str(body[key]);
      const address = str(body[`${key}_address`]);
      if (code || address) raw[f.name] = { postalCode: code, address };
    } else if (f.type === 'checkbox') {
      const values = list(body[key]);
      if (values.length) raw[f.name] = values;
    } else if (str(body[key]) !== '') raw[f.name] = str(body[key]);
  }
  return raw;
}

/** Hidden inputs that carry the answers of the pages not shown. */
function hiddenAnswers(fields: readonly FieldDef[], raw: Record<string, unknown>, except: (f: FieldDef) => boolean) {
  const out: { name: string; value: string }[] = [];
  for (const f of fields) {
    if (except(f) || f.type === 'file') continue;
    const v = raw[f.name];
    if (v === undefined) continue;
    if (f.type === 'postal') {
      const p = v as { postalCode: string; address: string };
      out.push({ name: `a_${f.name}`, value: p.postalCode }, { name: `a_${f.name}_address`, value: p.address });
    } else for (const x of list(v)) out.push({ name: `a_${f.name}`, value: x });
  }
  return out;
}

/** A field as the form template draws it. */
function fieldView(f: FieldDef, raw: Record<string, unknown>, fields: readonly FieldDef[], lang: Lang, held: Readonly<Record<string, FileAnswer>> = {}) {
  const v = raw[f.name];
  const condition = f.showIf ? fields.find((x) => x.name === f.showIf!.field) : undefined;
  const conditionValue = condition?.options?.find((o) => o.value === f.showIf!.equals)?.label ?? f.showIf?.equals;
  const file = f.type === 'file' ? held[f.name] : undefined;
  const hints = [
    f.help,
    f.type === 'date' ? t(lang, 'procedures.page.dateHint') : undefined,
    f.type === 'file' ? t(lang, 'procedures.page.fileHint', { kinds: kindsText(f, lang), max: formatBytes(fileRules(f).maxBytes) }) : undefined,
    file ? t(lang, 'procedures.page.fileKept', { name: file.filename, size: formatBytes(file.size) }) : undefined,
    condition ? t(lang, 'procedures.page.showIf', { field: condition.label, value: conditionValue ?? '' }) : undefined,
  ].filter(Boolean);
  return {
    id: `a_${f.name}`,
    type: f.type,
    label: f.label,
    // A conditional field is required only when its condition holds: not marked.
    required: Boolean(f.required) && !f.showIf,
    hint: hints.join(' '),
    value: f.type === 'postal' ? ((v as { postalCode?: string } | undefined)?.postalCode ?? '') : str(v),
    address: f.type === 'postal' ? ((v as { address?: string } | undefined)?.address ?? '') : '',
    values: list(v),
    options: f.options ?? [],
    maxLength: f.maxLength,
    // A file already attached is not asked again (the input replaces it).
    ...(f.type === 'file' ? { required: Boolean(f.required) && !f.showIf && !file, accept: fileRules(f).kinds.map((k) => FILE_KINDS[k].mediaType).join(',') } : {}),
  };
}

/** A form the apply pages ask: one procedure's, or a one-stop bundle's (several procedures' forms, shared fields once). */
interface ApplyForm {
  kind: 'procedure' | 'bundle';
  code: string;
  /** What the pages show of it. */
  page: { title: string; description: string; isDemo: boolean };
  /** `account` when any procedure of it asks for one. */
  identity: 'none' | 'account';
  fields: FieldDef[];
  /** The procedures' forms its files are kept for. */
  forms: { procedureId: string; fields: readonly FieldDef[] }[];
  action: string;
}

/** The maximum body of an apply post: every file field's largest file and the answers. */
const APPLY_BODY_LIMIT = FILE_LIMITS.perForm * FILE_LIMITS.maxBytes + 1024 * 1024;

export function procedurePageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const home = (lang: Lang) => ({ href: '/', label: t(lang, 'shell.home') });
  const crumbs = (lang: Lang, ...rest: { href?: string; label: string }[]) => [home(lang), { href: '/procedures', label: t(lang, 'procedures.page.listTitle') }, ...rest];
  const applicantOf = (request: FastifyRequest) => {
    const u = request.auth.user;
    const user = u && (!MFA_ROLES.includes(u.role) || request.auth.mfaPassed) ? u : null;
    return { user, ip: request.ip };
  };

  // Apply forms with file fields post multipart/form-data (they work without JavaScript):
  // a file larger than a field's limit is read only up to the largest limit, then named.
  acceptMultipart(app, { fileSize: FILE_LIMITS.maxBytes + 1, files: FILE_LIMITS.perForm, fields: 2000 });

  app.get('/procedures', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => {
    const lang = request.lang;
    const procedures = await service.listProcedures(deps, request.tenant.id);
    const bundles = await service.listBundles(deps, request.tenant.id);
    const departments = new Map((await listDepartments(deps.db, request.tenant.id)).map((d) => [d.code, lang === 'ja' ? d.nameJa : d.nameEn]));
    return reply.page(`${VIEWS}/list.njk`, {
      title: t(lang, 'procedures.page.listTitle'),
      breadcrumbs: [home(lang), { label: t(lang, 'procedures.page.listTitle') }],
      procedures: procedures.map((p) => ({ ...p, department: departments.get(p.departmentCode) ?? p.departmentCode, identityLabel: t(lang, `procedures.identity.${p.identity}`) })),
      bundles,
      anyDemo: procedures.some((p) => p.isDemo),
    });
  });

  // ---------------------------------------------------------------- applying

  /** A procedure's form as the apply pages ask it. */
  const procedureForm = async (request: FastifyRequest, code: string): Promise<ApplyForm> => {
    const p = await service.readProcedure(deps, request.tenant, null, code);
    return {
      kind: 'procedure',
      code: p.code,
      page: { title: p.title, description: p.description, isDemo: p.isDemo },
      identity: p.identity,
      fields: p.fields,
      forms: [{ procedureId: p.id, fields: p.fields }],
      action: `/procedures/${encodeURIComponent(p.code)}/apply`,
    };
  };
  /** A one-stop bundle's form: every procedure's fields, shared ones once; files kept for each procedure that asks them. */
  const bundleApplyForm = async (request: FastifyRequest, code: string): Promise<ApplyForm> => {
    const b = await service.bundleForm(deps, request.tenant.id, code);
    return {
      kind: 'bundle',
      code: b.bundle.code,
      page: { title: b.bundle.title, description: b.bundle.description, isDemo: b.bundle.isDemo },
      identity: b.procedures.some((p) => p.procedure.identity === 'account') ? 'account' : 'none',
      fields: b.fields,
      forms: b.procedures.map((p) => ({ procedureId: p.procedure.id, fields: p.fields })),
      action: `/procedures/bundles/${encodeURIComponent(b.bundle.code)}/apply`,
    };
  };

  /** The files a form holds by field (for a bundle, the first procedure's copy of each). */
  const heldFiles = async (request: FastifyRequest, form: ApplyForm, formKey: string): Promise<Record<string, FileAnswer>> => {
    const held: Record<string, FileAnswer> = {};
    for (const f of [...form.forms].reverse()) {
      if (f.fields.some((x) => x.type === 'file')) Object.assign(held, (await filesOfForm(deps.db, deps.config, request.tenant.id, f.procedureId, formKey)).answers);
    }
    return held;
  };

  /**
   * The apply post's body is read only once the form is known to be open and the caller may
   * apply for it (a procedure that asks for an account refuses the anonymous first).
   */
  const readApplyBody = (formOf: (request: FastifyRequest, code: string) => Promise<ApplyForm>) => async (request: FastifyRequest<{ Params: { code: string } }>) => {
    if (!request.isMultipart()) return;
    const form = await formOf(request, request.params.code);
    if (form.identity === 'account' && !applicantOf(request).user) throw new AppError('unauthenticated');
    await readUploadFormWithLists(request);
  };

  async function renderForm(request: FastifyRequest, reply: FastifyReply, form: ApplyForm, page: number, raw: Record<string, unknown>, errors: FieldError[], formKey: string) {
    const lang = request.lang;
    const held = await heldFiles(request, form, formKey);
    const pages = pageCount(form.fields);
    const onPage = form.fields.filter((f) => pageOf(f) === page && (!f.showIf || pageOf(form.fields.find((x) => x.name === f.showIf!.field) ?? f) === page || isShown(f, raw)));
    return reply.page(`${VIEWS}/apply.njk`, {
      title: formTitle(`${form.page.title}（${t(lang, 'procedures.page.step', { page, pages })}）`, errors, lang),
      heading: form.page.title,
      breadcrumbs: crumbs(lang, { label: form.page.title }),
      procedure: form.page,
      step: t(lang, 'procedures.page.step', { page, pages }),
      page,
      pages,
      fields: onPage.map((f) => fieldView(f, raw, form.fields, lang, held)),
      multipart: onPage.some((f) => f.type === 'file'),
      // 一時保存 is for signed-in applicants, and for one procedure's form.
      canSave: form.kind === 'procedure' && applicantOf(request).user !== null,
      hidden: hiddenAnswers(form.fields, raw, (f) => onPage.includes(f)),
      errors,
      formKey,
      action: form.action,
    });
  }

  app.get<{ Params: { code: string }; Querystring: { draft?: string } }>('/procedures/:code/apply', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => {
    const form = await procedureForm(request, request.params.code);
    const user = applicantOf(request).user;
    const draftId = typeof request.query.draft === 'string' ? request.query.draft : '';
    if ((form.identity === 'account' || draftId) && !user) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    if (draftId && user) {
      // Carry on with a saved draft: its answers, and its form key (the files it holds).
      const d = await drafts.openDraft(deps, request.tenant, user, draftId);
      if (d.procedure.code !== form.code) throw new AppError('not_found');
      return renderForm(request, reply, form, 1, drafts.formValuesOf(d.answers), [], d.formKey);
    }
    return renderForm(request, reply, form, 1, {}, [], randomUUID());
  });

  app.get<{ Params: { code: string } }>('/procedures/bundles/:code/apply', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => {
    const form = await bundleApplyForm(request, request.params.code);
    if (form.identity === 'account' && !applicantOf(request).user) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    return renderForm(request, reply, form, 1, {}, [], randomUUID());
  });

  /** One post of an apply form (a procedure's or a bundle's): a page, the check page, or the submission. */
  async function applyPost(request: FastifyRequest<{ Params: { code: string }; Body: Record<string, unknown> }>, reply: FastifyReply, form: ApplyForm) {
    const lang = request.lang;
    const body = request.body ?? {};
    const pages = pageCount(form.fields);
    const raw = rawAnswers(form.fields, body);
    const formKey = /^[0-9a-f-]{36}$/.test(str(body.formKey)) ? str(body.formKey) : randomUUID();
    const intent = str(body.intent);
    const page = Math.min(pages, Math.max(1, Number(str(body.page)) || 1));
    const pageOfError = (e: FieldError, otherwise: number) => pageOf(form.fields.find((f) => `a_${f.name}` === e.path) ?? ({ page: otherwise } as FieldDef));
    // Files of this post: checked by field, kept sealed as the form's pending uploads; a refused file is not kept.
    const uploads = uploadsOf(request);
    if (uploads.length) {
      if (form.identity === 'account' && !applicantOf(request).user) throw new AppError('unauthenticated');
      const staged = await deps.db.transaction((tx) => stageFormUploads(tx, deps.config, request.tenant.id, form.forms, formKey, uploads, lang, { now: deps.clock.now(), prefix: 'a_' }));
      if ('errors' in staged) return renderForm(request, reply.code(400), form, page, raw, staged.errors, formKey);
    }
    if (intent === 'save' && form.kind === 'procedure') {
      const user = applicantOf(request).user;
      if (!user) throw new AppError('unauthenticated');
      try {
        const d = await drafts.saveDraft(deps, request.tenant, user, form.code, { formKey, answers: raw }, lang, { prefix: 'a_' });
        return reply.redirect(`/my/procedures?saved=${encodeURIComponent(d.id)}`, 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'validation') throw err;
        const first = Math.min(...err.errors.map((e) => pageOfError(e, page)));
        return renderForm(request, reply.code(400), form, first, raw, err.errors.filter((e) => pageOfError(e, first) === first), formKey);
      }
    }
    if (intent.startsWith('edit-')) return renderForm(request, reply, form, Math.min(pages, Math.max(1, Number(intent.slice(5)) || 1)), raw, [], formKey);
    if (intent === 'back') return renderForm(request, reply, form, Math.max(1, page - 1), raw, [], formKey);
    const held = await heldFiles(request, form, formKey);
    const checked = validateAnswers(form.fields, raw, lang, { pages: intent === 'submit' ? pages : page, prefix: 'a_', files: held });
    if (checked.errors.length) {
      const first = Math.min(...checked.errors.map((e) => pageOfError(e, page)));
      return renderForm(request, reply, form, first, raw, checked.errors.filter((e) => pageOfError(e, first) === first), formKey);
    }
    if (intent === 'next' && page < pages) return renderForm(request, reply, form, page + 1, raw, [], formKey);
    if (intent !== 'submit') {
      // 確認画面 — check your answers.
      return reply.page(`${VIEWS}/check.njk`, {
        title: `${t(lang, 'procedures.page.check')}：${form.page.title}`,
        breadcrumbs: crumbs(lang, { label: form.page.title }),
        procedure: form.page,
        rows: form.fields.filter((f) => isShown(f, checked.answers)).map((f) => ({ label: f.label, page: pageOf(f), text: answerText(f, checked.answers[f.name]) })),
        hidden: hiddenAnswers(form.fields, raw, () => false),
        formKey,
        action: form.action,
        pages,
      });
    }
    // The form's key makes a double submit (or a retried post) one application (one per procedure of a bundle).
    const options = { idempotencyKey: `form:${formKey}`, formKey };
    const receipts =
      form.kind === 'procedure'
        ? [{ ...(await service.submitApplication(deps, request.tenant, applicantOf(request), form.code, { answers: raw }, lang, options)), title: form.page.title }]
        : await bundleReceipts(request, form.code, raw, lang, options);
    return reply.code(201).page(`${VIEWS}/done.njk`, { title: t(lang, 'procedures.page.doneTitle'), breadcrumbs: crumbs(lang, { label: form.page.title }), procedure: form.page, receipts });
  }

  /** A bundle's submission: one receipt a procedure, each with its procedure's title. */
  async function bundleReceipts(request: FastifyRequest, code: string, raw: Record<string, unknown>, lang: Lang, options: { idempotencyKey: string; formKey: string }) {
    const r = await service.submitBundle(deps, request.tenant, applicantOf(request), code, { answers: raw }, lang, { ...options, prefix: 'a_' });
    const titles = new Map((await service.bundleForm(deps, request.tenant.id, code)).procedures.map((p) => [p.procedure.code, p.procedure.title]));
    return r.applications.map((a) => ({ ...a, title: titles.get(a.procedure) ?? a.procedure }));
  }

  app.post<{ Params: { code: string }; Body: Record<string, unknown> }>(
    '/procedures/:code/apply',
    { schema: { hide: true }, config: PUBLIC, bodyLimit: APPLY_BODY_LIMIT, preValidation: readApplyBody(procedureForm) },
    async (request, reply) => applyPost(request, reply, await procedureForm(request, request.params.code)),
  );

  app.post<{ Params: { code: string }; Body: Record<string, unknown> }>(
    '/procedures/bundles/:code/apply',
    { schema: { hide: true }, config: PUBLIC, bodyLimit: APPLY_BODY_LIMIT, preValidation: readApplyBody(bundleApplyForm) },
    async (request, reply) => applyPost(request, reply, await bundleApplyForm(request, request.params.code)),
  );

  // ---------------------------------------------------------------- the applicant's own

  const when = (iso: string | Date, lang: Lang) => new Date(iso).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' });

  app.get<{ Querystring: { saved?: string } }>('/my/procedures', { schema: { hide: true }, config: USER }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const saved = await drafts.listDrafts(deps, request.tenant, user);
    const applications = await service.listOwnApplications(deps, request.tenant, user);
    const justSaved = saved.find((d) => d.id === request.query.saved);
    return reply.page(`${VIEWS}/mine.njk`, {
      title: t(lang, 'procedures.page.mineTitle'),
      breadcrumbs: crumbs(lang, { label: t(lang, 'procedures.page.mineTitle') }),
      notice: justSaved ? t(lang, 'procedures.page.draftSaved', { date: when(justSaved.expiresAt, lang) }) : null,
      drafts: saved.map((d) => ({ ...d, updated: when(d.updatedAt, lang), expires: when(d.expiresAt, lang), href: `/procedures/${encodeURIComponent(d.procedure.code)}/apply?draft=${d.id}` })),
      applications: applications.map((a) => ({ ...a, statusLabel: t(lang, `procedures.status.${a.status}`), when: when(a.receivedAt, lang) })),
    });
  });

  app.post<{ Params: { id: string } }>('/my/procedure-drafts/:id/delete', { schema: { hide: true }, config: USER }, async (request, reply) => {
    await drafts.discardDraft(deps, request.tenant, requireUser(request.auth), request.params.id);
    return reply.redirect('/my/procedures', 303);
  });

  // ---------------------------------------------------------------- inquiry

  /** The attached files among an application's answers, for a download list. */
  const attachmentsOf = (v: service.ApplicationView) =>
    v.fields.flatMap((f) => {
      const a = v.answers?.[f.name];
      return isFileAnswer(a) ? [{ label: f.label, file: a.file, filename: a.filename, size: formatBytes(a.size) }] : [];
    });

  async function renderInquiry(request: FastifyRequest, reply: FastifyReply, values: { receiptNumber: string; password?: string }, errors: FieldError[], view?: service.ApplicationView) {
    const lang = request.lang;
    return reply.page(`${VIEWS}/inquiry.njk`, {
      title: formTitle(t(lang, 'procedures.page.inquiryTitle'), errors, lang),
      breadcrumbs: crumbs(lang, { label: t(lang, 'procedures.page.inquiryTitle') }),
      values,
      errors,
      view: view && {
        ...view,
        statusLabel: t(lang, `procedures.status.${view.status}`),
        history: view.history.map((h) => ({ ...h, when: new Date(h.at).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' }), statusLabel: h.status ? t(lang, `procedures.status.${h.status}`) : '' })),
        rows: view.fields.filter((f) => view.answers && view.answers[f.name] !== undefined).map((f) => ({ label: f.label, text: answerText(f, view.answers![f.name]) })),
        reopened: view.reopenedFields.map((n) => view.fields.find((f) => f.name === n)?.label ?? n).join('、'),
        attachments: attachmentsOf(view),
      },
    });
  }

  app.get('/inquiry', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => renderInquiry(request, reply, { receiptNumber: '' }, []));

  app.post<{ Body: Record<string, unknown> }>('/inquiry', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => {
    const body = { receiptNumber: str(request.body?.receiptNumber), password: str(request.body?.password) };
    try {
      const view = str(request.body?.intent) === 'withdraw'
        ? await service.withdrawApplication(deps, request.tenant, request.ip, body, request.lang)
        : await service.inquire(deps, request.tenant, request.ip, body, request.lang);
      // The download forms carry the password the applicant has just typed (this page is never cached).
      return renderInquiry(request, reply.header('cache-control', 'no-store'), { receiptNumber: body.receiptNumber, password: body.password }, [], view);
    } catch (err) {
      if (!(err instanceof AppError) || err.status === 429 || err.status >= 500) throw err;
      const errors = err.errors.length ? err.errors : [{ path: 'receiptNumber', message: err.detail?.[request.lang] ?? err.message }];
      return renderInquiry(request, reply.code(err.status), { receiptNumber: body.receiptNumber }, errors);
    }
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/inquiry/attachments/:id', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => {
    const body = { receiptNumber: str(request.body?.receiptNumber), password: str(request.body?.password) };
    try {
      const file = await service.inquiryAttachment(deps, request.tenant, request.ip, body, request.params.id, request.lang);
      return reply.headers(downloadHeaders(file)).send(file.content);
    } catch (err) {
      if (!(err instanceof AppError) || err.status === 429 || err.status >= 500) throw err;
      const errors = err.errors.length ? err.errors : [{ path: 'receiptNumber', message: err.detail?.[request.lang] ?? err.message }];
      return renderInquiry(request, reply.code(err.status), { receiptNumber: body.receiptNumber }, errors);
    }
  });

  // ---------------------------------------------------------------- statistics

  app.get<{ Querystring: { fiscalYear?: string } }>('/procedures/statistics', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => {
    const lang = request.lang;
    const fy = Number(request.query.fiscalYear) >= 1900 && Number(request.query.fiscalYear) <= 2200 ? Number(request.query.fiscalYear) : fiscalYearOf(todayJst(deps.clock.now()));
    const items = await service.statistics(deps, request.tenant.id, fy);
    const year = formatBothFiscalYear(fy);
    return reply.page(`${VIEWS}/statistics.njk`, {
      title: t(lang, 'procedures.page.statisticsTitle', { year }),
      breadcrumbs: crumbs(lang, { label: t(lang, 'procedures.page.statisticsLink') }),
      rows: items.map((i) => ({ ...i, share: i.onlineShare === null ? '—' : `${(i.onlineShare * 100).toFixed(2)}%` })),
      fiscalYear: fy,
      years: [fy - 2, fy - 1, fy, fy + 1].map((y) => ({ value: y, label: formatBothFiscalYear(y), current: y === fy })),
      anyDemo: items.some((i) => i.demo),
    });
  });

  // ---------------------------------------------------------------- the department

  const staffCrumbs = (lang: Lang, ...rest: { href?: string; label: string }[]) => [home(lang), { href: '/staff/applications', label: t(lang, 'procedures.page.inboxTitle') }, ...rest];

  app.get<{ Querystring: { status?: string; offset?: string } }>('/staff/applications', { schema: { hide: true }, config: STAFF }, async (request, reply) => {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const status = (STATUSES as readonly string[]).includes(request.query.status ?? '') ? (request.query.status as Status) : undefined;
    const offset = Math.max(0, Math.min(1_000_000, Number(request.query.offset) || 0));
    const r = user.departmentCode ? await service.departmentInbox(deps, request.tenant, user, { status, limit: 50, offset }) : { total: 0, items: [] };
    const dept = user.departmentCode ? await findDepartment(deps.db, request.tenant.id, user.departmentCode) : undefined;
    return reply.page(`${VIEWS}/inbox.njk`, {
      title: t(lang, 'procedures.page.inboxTitle'),
      breadcrumbs: [home(lang), { label: t(lang, 'procedures.page.inboxTitle') }],
      caption: t(lang, 'procedures.page.inboxCaption', { department: dept ? (lang === 'ja' ? dept.nameJa : dept.nameEn) : '—', total: r.total }),
      statuses: STATUSES.map((s) => ({ value: s, label: t(lang, `procedures.status.${s}`), selected: s === status })),
      rows: r.items.map((a) => ({ ...a, statusLabel: t(lang, `procedures.status.${a.status}`), when: a.receivedAt.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' }) })),
    });
  });

  async function renderCase(request: FastifyRequest, reply: FastifyReply, receipt: string, errors: FieldError[]) {
    const lang = request.lang;
    const v = await service.readCase(deps, request.tenant, requireUser(request.auth), receipt);
    return reply.page(`${VIEWS}/case.njk`, {
      title: formTitle(t(lang, 'procedures.page.caseTitle', { receipt: v.receiptNumber }), errors, lang),
      breadcrumbs: staffCrumbs(lang, { label: v.receiptNumber }),
      v,
      statusLabel: t(lang, `procedures.status.${v.status}`),
      rows: v.fields.map((f) => ({ label: f.label, text: answerText(f, v.answers?.[f.name]) })),
      attachments: attachmentsOf(v).map((a) => ({ ...a, href: `/staff/applications/${encodeURIComponent(v.receiptNumber)}/attachments/${a.file}` })),
      history: v.history.map((h) => ({ ...h, when: new Date(h.at).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' }), statusLabel: h.status ? t(lang, `procedures.status.${h.status}`) : '' })),
      targets: [...STAFF_TARGETS, 'withdrawn'].map((s) => ({ value: s, label: t(lang, `procedures.status.${s}`) })),
      fieldOptions: v.fields.map((f) => ({ value: f.name, label: f.label })),
      errors,
    });
  }

  app.get<{ Params: { receiptNumber: string } }>('/staff/applications/:receiptNumber', { schema: { hide: true }, config: STAFF }, async (request, reply) => renderCase(request, reply, request.params.receiptNumber, []));

  app.get<{ Params: { receiptNumber: string; id: string } }>('/staff/applications/:receiptNumber/attachments/:id', { schema: { hide: true }, config: STAFF }, async (request, reply) => {
    const file = await service.caseAttachment(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber, request.params.id);
    return reply.headers(downloadHeaders(file)).send(file.content);
  });

  app.post<{ Params: { receiptNumber: string }; Body: Record<string, unknown> }>('/staff/applications/:receiptNumber/status', { schema: { hide: true }, config: STAFF }, async (request, reply) => {
    const b = request.body ?? {};
    const body = { to: str(b.to), ...(str(b.message) ? { message: str(b.message) } : {}), ...(list(b.fields).length ? { fields: list(b.fields) } : {}) };
    try {
      await service.changeStatus(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber, body, request.lang);
    } catch (err) {
      if (!(err instanceof AppError) || (err.status !== 400 && err.status !== 409)) throw err;
      const errors = err.errors.length ? err.errors.map((e) => ({ ...e, path: e.path === 'fields' ? 'fields' : 'to' })) : [{ path: 'to', message: err.detail?.[request.lang] ?? err.message }];
      return renderCase(request, reply.code(err.status), request.params.receiptNumber, errors);
    }
    return reply.redirect(`/staff/applications/${encodeURIComponent(request.params.receiptNumber)}`, 303);
  });
}
