/**
 * フォームビルダー — staff build a procedure's form in the browser, without JavaScript: plain
 * forms, one action per submit button. Create a procedure, add, edit, reorder and remove
 * fields of every type, preview the form as applicants see it, publish the version. Every
 * change goes through the service's updateForm, so a published version is never edited in
 * place: the first change after publishing starts the next version as a draft. Who may build
 * a department's procedures is the service's canManageProcedures (its own staff, administrators).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { FILE_KINDS } from '../../core/files.ts';
import { listDepartments } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { ACCEPT_CHOICES, FIELD_INPUTS, fieldFormValues, fieldFromValues, inputOfPath, valuesOfField, type FieldFormValues } from './procedures.builder.ts';
import { FIELD_TYPES, FieldsSchema, pageCount, pageOf, type FieldDef } from './procedures.fields.ts';
import { parseWith } from '../../core/validation.ts';
import * as service from './procedures.service.ts';

const VIEWS = 'procedures/views';
const STAFF = { access: access.staff };
const CREATE_INPUTS = ['code', 'title', 'description', 'eligibility', 'department', 'identity', 'retentionYears'] as const;
/** The first field of a new procedure's form (a form has at least one field). */
const FIRST_FIELD: FieldDef = { name: 'fullName', type: 'text', label: '氏名', required: true };

const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Errors in the order of the inputs they name. */
function ordered(errors: FieldError[], inputs: readonly string[]): FieldError[] {
  return [...errors].sort((a, b) => inputs.indexOf(a.path) - inputs.indexOf(b.path));
}

export function procedureBuilderRoutes(app: FastifyInstance, deps: AppDeps): void {
  const home = (lang: Lang) => ({ href: '/', label: t(lang, 'shell.home') });
  const crumbs = (lang: Lang, ...rest: { href?: string; label: string }[]) => [home(lang), { href: '/staff/procedures', label: t(lang, 'procedures.builder.listTitle') }, ...rest];

  /** The procedure with its newest version, for staff who may build it (403 for other staff). */
  async function managed(request: FastifyRequest, code: string): Promise<{ user: AuthUser; p: service.ProcedureView }> {
    const user = requireUser(request.auth);
    const p = await service.readProcedure(deps, request.tenant, user, code);
    if (!service.canManageProcedures(user, p.departmentCode)) throw new AppError('forbidden', { ja: t('ja', 'procedures.error.notYourDepartment'), en: t('en', 'procedures.error.notYourDepartment') });
    return { user, p };
  }

  const typeOptions = (lang: Lang) => FIELD_TYPES.map((type) => ({ value: type, label: t(lang, `procedures.builder.type.${type}`) }));

  // ---------------------------------------------------------------- the list and creating

  async function renderList(request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[]) {
    const lang = request.lang;
    const user = requireUser(request.auth);
    const departments = await listDepartments(deps.db, request.tenant.id);
    const mine = user.role === 'admin' ? departments : departments.filter((d) => d.code === user.departmentCode);
    const procedures = [];
    for (const d of mine) procedures.push(...(await service.listProcedures(deps, request.tenant.id, { department: d.code })));
    const title = t(lang, 'procedures.builder.listTitle');
    return reply.page(`${VIEWS}/builder-list.njk`, {
      title: formTitle(title, errors, lang),
      heading: title,
      breadcrumbs: [home(lang), { label: title }],
      procedures: procedures.map((p) => ({ ...p, href: `/staff/procedures/${encodeURIComponent(p.code)}` })),
      departments: mine.map((d) => ({ value: d.code, label: lang === 'ja' ? d.nameJa : d.nameEn })),
      identities: ['none', 'account'].map((i) => ({ value: i, label: t(lang, `procedures.identity.${i}`) })),
      values: { code: '', title: '', description: '', eligibility: '', department: user.departmentCode ?? '', identity: 'none', retentionYears: '5', ...values },
      errors,
    });
  }

  app.get('/staff/procedures', { schema: { hide: true }, config: STAFF }, async (request, reply) => renderList(request, reply, {}, []));

  app.post<{ Body: Record<string, unknown> }>('/staff/procedures', { schema: { hide: true }, config: STAFF }, async (request, reply) => {
    const user = requireUser(request.auth);
    const b = request.body ?? {};
    const values = Object.fromEntries(CREATE_INPUTS.map((k) => [k, str(b[k])])) as Record<(typeof CREATE_INPUTS)[number], string>;
    const years = values.retentionYears.trim() === '' ? NaN : Number(values.retentionYears.normalize('NFKC'));
    const body = {
      code: values.code,
      title: values.title,
      ...(values.description.trim() ? { description: values.description } : {}),
      ...(values.eligibility.trim() ? { eligibility: values.eligibility } : {}),
      department: values.department,
      identity: values.identity,
      retentionYears: Number.isFinite(years) ? years : values.retentionYears,
      fields: [FIRST_FIELD],
    };
    try {
      const created = await service.createProcedure(deps, request.tenant, user, body, request.lang);
      return reply.redirect(`/staff/procedures/${encodeURIComponent(created.code)}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || (err.code !== 'validation' && err.code !== 'conflict' && err.code !== 'forbidden')) throw err;
      const errors = err.errors.length ? err.errors : [{ path: err.code === 'forbidden' ? 'department' : 'code', message: err.detail?.[request.lang] ?? err.message }];
      return renderList(request, reply.code(err.status), values, ordered(errors.map((e) => ({ ...e, path: (CREATE_INPUTS as readonly string[]).includes(e.path) ? e.path : 'code' })), CREATE_INPUTS));
    }
  });

  // ---------------------------------------------------------------- the form

  async function renderBuilder(request: FastifyRequest, reply: FastifyReply, code: string, errors: FieldError[], notice: string | null = null) {
    const lang = request.lang;
    const { p } = await managed(request, code);
    const base = `/staff/procedures/${encodeURIComponent(p.code)}`;
    const title = t(lang, 'procedures.builder.formTitle', { title: p.title });
    return reply.page(`${VIEWS}/builder.njk`, {
      title: formTitle(title, errors, lang),
      heading: title,
      breadcrumbs: crumbs(lang, { label: p.title }),
      p,
      base,
      notice,
      state: p.latestState === 'draft' ? t(lang, 'procedures.builder.draftState', { version: p.latestVersion }) : t(lang, 'procedures.builder.publishedState', { version: p.latestVersion, next: p.latestVersion + 1 }),
      canPublish: p.latestState === 'draft',
      fields: p.fields.map((f, i) => ({
        index: i,
        name: f.name,
        label: f.label,
        type: t(lang, `procedures.builder.type.${f.type}`),
        required: Boolean(f.required),
        page: pageOf(f),
        first: i === 0,
        last: i === p.fields.length - 1,
        href: `${base}/fields/${i}`,
      })),
      errors,
    });
  }

  app.get<{ Params: { code: string }; Querystring: { saved?: string; published?: string } }>('/staff/procedures/:code', { schema: { hide: true }, config: STAFF }, async (request, reply) => {
    const lang = request.lang;
    const q = request.query;
    const notice = q.published ? t(lang, 'procedures.builder.published', { version: q.published.slice(0, 6) }) : q.saved ? t(lang, 'procedures.builder.saved', { version: q.saved.slice(0, 6) }) : null;
    return renderBuilder(request, reply, request.params.code, [], notice);
  });

  /** Saves a new list of fields through the service (a draft, or the next version after a published one). */
  async function saveFields(request: FastifyRequest, user: AuthUser, code: string, fields: unknown[]) {
    return service.updateForm(deps, request.tenant, user, code, { fields }, request.lang);
  }

  app.post<{ Params: { code: string }; Body: Record<string, unknown> }>('/staff/procedures/:code', { schema: { hide: true }, config: STAFF }, async (request, reply) => {
    const { user, p } = await managed(request, request.params.code);
    const intent = str(request.body?.intent);
    const base = `/staff/procedures/${encodeURIComponent(p.code)}`;
    try {
      if (intent === 'publish') {
        const r = await service.publishProcedure(deps, request.tenant, user, p.code, request.lang);
        return reply.redirect(`${base}?published=${r.version}`, 303);
      }
      const m = /^(up|down|remove):(\d{1,3})$/.exec(intent);
      if (!m) throw new AppError('validation', undefined, [{ path: 'fields', message: t(request.lang, 'procedures.answer.unknown') }]);
      const i = Number(m[2]);
      if (i >= p.fields.length) throw new AppError('not_found');
      const fields = [...p.fields];
      if (m[1] === 'remove') fields.splice(i, 1);
      else {
        const j = m[1] === 'up' ? i - 1 : i + 1;
        if (j < 0 || j >= fields.length) return reply.redirect(base, 303);
        [fields[i], fields[j]] = [fields[j]!, fields[i]!];
      }
      const r = await saveFields(request, user, p.code, fields);
      return reply.redirect(`${base}?saved=${r.version}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || (err.code !== 'validation' && err.code !== 'conflict')) throw err;
      const errors = err.errors.length ? err.errors : [{ path: 'fields', message: err.detail?.[request.lang] ?? err.message }];
      return renderBuilder(request, reply.code(err.status), p.code, errors.map((e) => ({ ...e, path: 'fields' })));
    }
  });

  // ---------------------------------------------------------------- one field

  async function renderField(request: FastifyRequest, reply: FastifyReply, code: string, index: number | null, values: FieldFormValues | null, errors: FieldError[]) {
    const lang = request.lang;
    const { p } = await managed(request, code);
    const base = `/staff/procedures/${encodeURIComponent(p.code)}`;
    const f = index === null ? undefined : p.fields[index];
    if (index !== null && !f) throw new AppError('not_found');
    const v = values ?? valuesOfField(f);
    const title = f ? t(lang, 'procedures.builder.editField', { label: f.label }) : t(lang, 'procedures.builder.newField');
    const earlier = (index === null ? p.fields : p.fields.slice(0, index)).filter((x) => x.type !== 'file');
    return reply.page(`${VIEWS}/builder-field.njk`, {
      title: formTitle(title, errors, lang),
      heading: title,
      breadcrumbs: crumbs(lang, { href: base, label: p.title }, { label: title }),
      action: index === null ? `${base}/fields/new` : `${base}/fields/${index}`,
      base,
      v,
      types: typeOptions(lang),
      showIfFields: [{ value: '', label: t(lang, 'procedures.builder.always') }, ...earlier.map((x) => ({ value: x.name, label: `${x.label}（${x.name}）` }))],
      acceptChoices: ACCEPT_CHOICES.map((k) => ({ value: k, label: FILE_KINDS[k][lang], checked: v.f_accept.includes(k) })),
      errors,
    });
  }

  /** Adds (index null) or replaces the field the form describes; errors are shown at their inputs. */
  async function saveField(request: FastifyRequest<{ Params: { code: string }; Body: Record<string, unknown> }>, reply: FastifyReply, index: number | null) {
    const lang = request.lang;
    const { user, p } = await managed(request, request.params.code);
    if (index !== null && !p.fields[index]) throw new AppError('not_found');
    const values = fieldFormValues(request.body ?? {});
    const { field, errors } = fieldFromValues(values, lang);
    const at = index ?? p.fields.length;
    const fields: unknown[] = [...p.fields];
    if (index === null) fields.push(field);
    else fields[index] = field;
    if (errors.length) {
      // Nothing is saved, but every other problem is named too (the same check the service makes).
      const checked = parseWith(FieldsSchema, fields, lang);
      if (!checked.ok) {
        for (const e of checked.errors) {
          const input = inputOfPath(`fields.${e.path}`, at) ?? 'f_name';
          if (!errors.some((x) => x.path === input)) errors.push({ path: input, message: e.message });
        }
      }
    } else {
      try {
        const r = await saveFields(request, user, p.code, fields);
        return reply.redirect(`/staff/procedures/${encodeURIComponent(p.code)}?saved=${r.version}`, 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'validation') throw err;
        for (const e of err.errors) {
          const input = inputOfPath(e.path, at);
          // A problem of another field (e.g. a condition now pointing later) is shown at the name.
          errors.push({ path: input ?? 'f_name', message: e.message });
        }
      }
    }
    return renderField(request, reply.code(400), p.code, index, values, ordered(errors, FIELD_INPUTS));
  }

  const indexOf = (s: string) => {
    if (!/^\d{1,3}$/.test(s)) throw new AppError('not_found');
    return Number(s);
  };

  app.get<{ Params: { code: string } }>('/staff/procedures/:code/fields/new', { schema: { hide: true }, config: STAFF }, async (request, reply) => renderField(request, reply, request.params.code, null, null, []));
  app.post<{ Params: { code: string }; Body: Record<string, unknown> }>('/staff/procedures/:code/fields/new', { schema: { hide: true }, config: STAFF }, async (request, reply) => saveField(request, reply, null));
  app.get<{ Params: { code: string; index: string } }>('/staff/procedures/:code/fields/:index', { schema: { hide: true }, config: STAFF }, async (request, reply) =>
    renderField(request, reply, request.params.code, indexOf(request.params.index), null, []),
  );
  app.post<{ Params: { code: string; index: string }; Body: Record<string, unknown> }>('/staff/procedures/:code/fields/:index', { schema: { hide: true }, config: STAFF }, async (request, reply) =>
    saveField(request, reply, indexOf(request.params.index)),
  );

  // ---------------------------------------------------------------- preview

  app.get<{ Params: { code: string } }>('/staff/procedures/:code/preview', { schema: { hide: true }, config: STAFF }, async (request, reply) => {
    const lang = request.lang;
    const { p } = await managed(request, request.params.code);
    const base = `/staff/procedures/${encodeURIComponent(p.code)}`;
    const title = t(lang, 'procedures.builder.previewTitle', { title: p.title, version: p.latestVersion });
    const pages = pageCount(p.fields);
    return reply.page(`${VIEWS}/builder-preview.njk`, {
      title,
      heading: title,
      breadcrumbs: crumbs(lang, { href: base, label: p.title }, { label: t(lang, 'procedures.builder.preview') }),
      base,
      p,
      pages: Array.from({ length: pages }, (_, i) => ({
        step: t(lang, 'procedures.page.step', { page: i + 1, pages }),
        fields: p.fields.filter((f) => pageOf(f) === i + 1).map((f) => previewField(f, p.fields, lang)),
      })),
    });
  });
}

/** A field as the apply form draws it (no answers), for the preview. */
function previewField(f: FieldDef, fields: readonly FieldDef[], lang: Lang) {
  const condition = f.showIf ? fields.find((x) => x.name === f.showIf!.field) : undefined;
  const hints = [f.help, condition ? t(lang, 'procedures.page.showIf', { field: condition.label, value: condition.options?.find((o) => o.value === f.showIf!.equals)?.label ?? f.showIf!.equals }) : undefined].filter(Boolean);
  return {
    id: `preview_${f.name}`,
    type: f.type,
    label: f.label,
    required: Boolean(f.required) && !f.showIf,
    hint: hints.join(' '),
    value: '',
    address: '',
    values: [],
    options: f.options ?? [],
    accept: f.type === 'file' ? (f.accept ?? ['pdf', 'png', 'jpeg']).map((k) => FILE_KINDS[k].mediaType).join(',') : '',
  };
}
