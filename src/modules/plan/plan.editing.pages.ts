/**
 * 計画の管理 — plan managers edit the plan in the browser: plain server-rendered forms (no
 * JavaScript), every error at once beside its field, validated by the import's own schema.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { listDepartments } from '../../core/tenancy.ts';
import { inFieldOrder } from '../../core/validation.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import type { AppDeps } from '../module.ts';
import * as editing from './plan.editing.ts';
import {
  headerField,
  headerFromForm,
  HEADER_FIELDS,
  indicatorField,
  indicatorFromForm,
  indicatorToForm,
  INDICATOR_FIELDS,
  newPlanField,
  newPlanFromForm,
  NEW_PLAN_FIELDS,
  sectionFromForm,
  sectionToForm,
  type SectionFormValues,
} from './plan.editing.forms.ts';
import { canManagePlans } from './plan.policy.ts';
import { LIMITS } from './plan.schema.ts';
import * as plans from './plan.service.ts';
import { formatDateTime, sectionLabel } from './plan.view-model.ts';
import './plan.messages.ts';

const hidden = { hide: true };
const MANAGERS = { access: access.planManagers };
const PlanParam = z.object({ planCode: z.string().min(1).max(LIMITS.code) });
const EntityParam = PlanParam.extend({ code: z.string().min(1).max(LIMITS.code) });
const DoneQuery = z.object({ done: z.enum(['saved', 'created', 'retired']).optional().catch(undefined) });

function requireManager(request: FastifyRequest): AuthUser {
  const user = requireUser(request.auth);
  if (!canManagePlans(user)) throw new AppError('forbidden');
  return user;
}

/** Errors of the import's schema moved onto the form's fields (in the form's order). */
function onFields(errors: FieldError[], fieldOf: (path: string) => string, order: readonly string[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    const path = fieldOf(e.path);
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, message: e.message });
  }
  return inFieldOrder(out, order);
}

export function planEditingRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();
  const t = translate;
  const home = (lang: Lang): Breadcrumb => ({ href: '/', label: t(lang, 'shell.home') });
  const adminCrumb = (lang: Lang): Breadcrumb => ({ href: '/staff/plan/admin', label: t(lang, 'plan.edit.title') });
  const planHref = (code: string) => `/staff/plan/admin/plans/${encodeURIComponent(code)}`;
  const planCrumb = (lang: Lang, code: string): Breadcrumb => ({ href: planHref(code), label: t(lang, 'plan.edit.planTitle', { code }) });
  const base = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/staff/plan', label: t(lang, 'plan.staff.title') }, adminCrumb(lang), ...rest];

  /** Re-renders a form with its errors (400), or rethrows what is not a validation error. */
  const invalid = (err: unknown): FieldError[] => {
    if (err instanceof AppError && err.code === 'validation') return err.errors;
    throw err;
  };

  // ------------------------------------------------------------ the plans

  pages.get('/staff/plan/admin', { schema: { ...hidden }, config: MANAGERS }, async (request, reply) => {
    requireManager(request);
    const lang = request.lang;
    const title = t(lang, 'plan.edit.title');
    return reply.page('plan/views/admin-index.njk', {
      title,
      plans: (await plans.listPlanSummaries(db, request.tenant.id)).map((p) => ({ ...p, href: planHref(p.code) })),
      breadcrumbs: [home(lang), { href: '/staff/plan', label: t(lang, 'plan.staff.title') }, { label: title }],
    });
  });

  const renderNewPlan = (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[]) => {
    const lang = request.lang;
    const title = t(lang, 'plan.edit.newPlan');
    return reply.code(errors.length ? 400 : 200).page('plan/views/admin-new-plan.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      values,
      errors,
      breadcrumbs: base(lang, { label: title }),
    });
  };

  pages.get('/staff/plan/admin/new', { schema: hidden, config: MANAGERS }, async (request, reply) => {
    requireManager(request);
    return renderNewPlan(request, reply, Object.fromEntries(NEW_PLAN_FIELDS.map((f) => [f, ''])), []);
  });

  pages.post('/staff/plan/admin/new', { schema: hidden, config: MANAGERS }, async (request, reply) => {
    const user = requireManager(request);
    const form = newPlanFromForm(request.body, request.lang);
    if (form.errors.length) return renderNewPlan(request, reply, form.values, inFieldOrder(form.errors, NEW_PLAN_FIELDS));
    try {
      const { code } = await editing.createPlan(db, deps, request.tenant, user, form.input, request.lang);
      return reply.redirect(`${planHref(code)}?done=created`, 303);
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') {
        return renderNewPlan(request, reply, form.values, [{ path: 'code', message: err.detail?.[request.lang] ?? err.message }]);
      }
      return renderNewPlan(request, reply, form.values, onFields(invalid(err), newPlanField, NEW_PLAN_FIELDS));
    }
  });

  pages.get('/staff/plan/admin/plans/:planCode', { schema: { ...hidden, params: PlanParam, querystring: DoneQuery }, config: MANAGERS }, async (request, reply) => {
    const user = requireManager(request);
    const lang = request.lang;
    const { plan, doc } = await editing.planForEditing(db, request.tenant.id, user, request.params.planCode);
    const href = planHref(plan.code);
    return reply.page('plan/views/admin-plan.njk', {
      title: t(lang, 'plan.edit.planTitle', { code: plan.code }),
      plan: doc,
      href,
      done: request.query.done ?? null,
      chapters: doc.chapters.map((c) => ({
        code: c.code,
        title: c.title,
        sections: c.sections.map((s) => ({
          code: s.code,
          label: sectionLabel(s.code, lang),
          title: s.title,
          href: `${href}/sections/${encodeURIComponent(s.code)}`,
          indicators: s.indicators.map((i) => ({ code: i.code, name: i.name, href: `${href}/indicators/${encodeURIComponent(i.code)}` })),
        })),
      })),
      breadcrumbs: base(lang, { label: t(lang, 'plan.edit.planTitle', { code: plan.code }) }),
    });
  });

  // ------------------------------------------------------------ the plan's header

  const renderHeader = (request: FastifyRequest, reply: FastifyReply, code: string, values: Record<string, string>, errors: FieldError[]) => {
    const lang = request.lang;
    const title = t(lang, 'plan.edit.header');
    return reply.code(errors.length ? 400 : 200).page('plan/views/admin-header.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      action: `${planHref(code)}/edit`,
      values,
      errors,
      breadcrumbs: base(lang, planCrumb(lang, code), { label: title }),
    });
  };

  pages.get('/staff/plan/admin/plans/:planCode/edit', { schema: { ...hidden, params: PlanParam }, config: MANAGERS }, async (request, reply) => {
    const user = requireManager(request);
    const { doc } = await editing.planForEditing(db, request.tenant.id, user, request.params.planCode);
    return renderHeader(request, reply, doc.code, {
        title: doc.title,
        titleEn: doc.titleEn ?? '',
        startFiscalYear: String(doc.period.startFiscalYear),
        endFiscalYear: String(doc.period.endFiscalYear),
      }, []);
  });

  pages.post('/staff/plan/admin/plans/:planCode/edit', { schema: { ...hidden, params: PlanParam }, config: MANAGERS }, async (request, reply) => {
    const user = requireManager(request);
    const code = request.params.planCode;
    const form = headerFromForm(request.body, request.lang);
    if (form.errors.length) return renderHeader(request, reply, code, form.values, inFieldOrder(form.errors, HEADER_FIELDS));
    try {
      await editing.editPlanHeader(db, deps, request.tenant, user, code, form.input, request.lang);
    } catch (err) {
      return renderHeader(request, reply, code, form.values, onFields(invalid(err), headerField, HEADER_FIELDS));
    }
    return reply.redirect(`${planHref(code)}?done=saved`, 303);
  });

  // ------------------------------------------------------------ sections

  async function renderSection(request: FastifyRequest, reply: FastifyReply, planCode: string, existing: string | null, values: SectionFormValues, errors: FieldError[]) {
    const lang = request.lang;
    const user = requireManager(request);
    const { doc } = await editing.planForEditing(db, request.tenant.id, user, planCode);
    const title = existing ? t(lang, 'plan.edit.sectionTitle', { code: existing }) : t(lang, 'plan.edit.newSection');
    const href = planHref(planCode);
    return reply.code(errors.length ? 400 : 200).page('plan/views/admin-section.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      existing,
      action: existing ? `${href}/sections/${encodeURIComponent(existing)}` : `${href}/sections/new`,
      chapters: [{ value: '', label: t(lang, 'plan.entry.choose') }, ...doc.chapters.map((c) => ({ value: c.code, label: `${c.code} ${c.title}` }))],
      values,
      errors,
      max: { title: LIMITS.title, text: LIMITS.text, items: LIMITS.listItems },
      breadcrumbs: base(lang, planCrumb(lang, planCode), { label: title }),
    });
  }

  pages.get('/staff/plan/admin/plans/:planCode/sections/new', { schema: { ...hidden, params: PlanParam }, config: MANAGERS }, async (request, reply) => {
    requireManager(request);
    const empty = sectionToForm({ code: '', title: '', visions: [], issues: [], directions: [], glossary: [], measures: [] });
    return renderSection(request, reply, request.params.planCode, null, empty, []);
  });

  pages.get('/staff/plan/admin/plans/:planCode/sections/:code', { schema: { ...hidden, params: EntityParam }, config: MANAGERS }, async (request, reply) => {
    const user = requireManager(request);
    const { doc } = await editing.planForEditing(db, request.tenant.id, user, request.params.planCode);
    const section = doc.chapters.flatMap((c) => c.sections).find((s) => s.code === request.params.code);
    if (!section) throw new AppError('not_found');
    return renderSection(request, reply, request.params.planCode, section.code, sectionToForm(section), []);
  });

  for (const isNew of [true, false]) {
    const url = isNew ? '/staff/plan/admin/plans/:planCode/sections/new' : '/staff/plan/admin/plans/:planCode/sections/:code';
    pages.post(url, { schema: { ...hidden, params: isNew ? PlanParam : EntityParam }, config: MANAGERS }, async (request, reply) => {
      const user = requireManager(request);
      const params = request.params as { planCode: string; code?: string };
      const existing = isNew ? null : params.code!;
      const form = sectionFromForm(request.body, request.lang);
      const order = ['chapter', 'code', 'title', 'visions', 'issues', 'directions', 'perceptionCode', 'perceptionText'];
      if (form.errors.length) return renderSection(request, reply, params.planCode, existing, form.values, form.errors);
      try {
        const { code } = await editing.saveSection(db, deps, request.tenant, user, params.planCode, existing, form.input, request.lang);
        return reply.redirect(`${planHref(params.planCode)}?done=${isNew ? 'created' : 'saved'}#section-${encodeURIComponent(code)}`, 303);
      } catch (err) {
        return renderSection(request, reply, params.planCode, existing, form.values, onFields(invalid(err), form.fieldOf, order));
      }
    });
  }

  // ------------------------------------------------------------ indicators

  async function renderIndicator(request: FastifyRequest, reply: FastifyReply, planCode: string, existing: string | null, values: Record<string, string>, errors: FieldError[]) {
    const lang = request.lang;
    const user = requireManager(request);
    const { doc } = await editing.planForEditing(db, request.tenant.id, user, planCode);
    const title = existing ? t(lang, 'plan.edit.indicatorTitle', { code: existing }) : t(lang, 'plan.edit.newIndicator');
    const href = planHref(planCode);
    const departments = (await listDepartments(db, request.tenant.id, { activeOnly: true })).map((d) => ({ value: d.code, label: `${lang === 'ja' ? d.nameJa : d.nameEn} (${d.code})` }));
    // The indicator's own department stays choosable (and selected) even when it is not an
    // active department on record, or saving the form unchanged would silently drop it.
    if (values.department && !departments.some((d) => d.value === values.department)) departments.push({ value: values.department, label: values.department });
    return reply.code(errors.length ? 400 : 200).page('plan/views/admin-indicator.njk', {
      title: formTitle(title, errors, lang),
      heading: title,
      existing,
      action: existing ? `${href}/indicators/${encodeURIComponent(existing)}` : `${href}/indicators/new`,
      sections: [{ value: '', label: t(lang, 'plan.entry.choose') }, ...doc.chapters.flatMap((c) => c.sections).map((s) => ({ value: s.code, label: `${s.code} ${s.title}` }))],
      directions: (['increase', 'decrease', 'at_most_baseline'] as const).map((d) => ({ value: d, label: t(lang, `plan.edit.direction.${d}`) })),
      departments: [{ value: '', label: t(lang, 'plan.indicator.noDepartment') }, ...departments],
      sources: [
        { value: 'manual', label: t(lang, 'plan.edit.sourceManual') },
        ...deps.metrics.list().map((m) => ({ value: m.name, label: `${m.name} — ${m.description[lang]}` })),
      ],
      values,
      errors,
      breadcrumbs: base(lang, planCrumb(lang, planCode), { label: title }),
    });
  }

  pages.get('/staff/plan/admin/plans/:planCode/indicators/new', { schema: { ...hidden, params: PlanParam }, config: MANAGERS }, async (request, reply) => {
    requireManager(request);
    const values = Object.fromEntries(INDICATOR_FIELDS.map((f) => [f, ''])) as Record<string, string>;
    values.direction = 'increase';
    values.source = 'manual';
    return renderIndicator(request, reply, request.params.planCode, null, values, []);
  });

  pages.get('/staff/plan/admin/plans/:planCode/indicators/:code', { schema: { ...hidden, params: EntityParam }, config: MANAGERS }, async (request, reply) => {
    const user = requireManager(request);
    const { doc } = await editing.planForEditing(db, request.tenant.id, user, request.params.planCode);
    const section = doc.chapters.flatMap((c) => c.sections).find((s) => s.indicators.some((i) => i.code === request.params.code));
    if (!section) throw new AppError('not_found');
    const indicator = section.indicators.find((i) => i.code === request.params.code)!;
    return renderIndicator(request, reply, request.params.planCode, indicator.code, indicatorToForm(indicator, section.code), []);
  });

  for (const isNew of [true, false]) {
    const url = isNew ? '/staff/plan/admin/plans/:planCode/indicators/new' : '/staff/plan/admin/plans/:planCode/indicators/:code';
    pages.post(url, { schema: { ...hidden, params: isNew ? PlanParam : EntityParam }, config: MANAGERS }, async (request, reply) => {
      const user = requireManager(request);
      const params = request.params as { planCode: string; code?: string };
      const existing = isNew ? null : params.code!;
      const form = indicatorFromForm(request.body, request.lang);
      if (form.errors.length) return renderIndicator(request, reply, params.planCode, existing, form.values, inFieldOrder(form.errors, INDICATOR_FIELDS));
      try {
        const { code } = await editing.saveIndicator(db, deps, request.tenant, user, params.planCode, existing, form.input, request.lang);
        return reply.redirect(`${planHref(params.planCode)}?done=${isNew ? 'created' : 'saved'}#indicator-${encodeURIComponent(code)}`, 303);
      } catch (err) {
        return renderIndicator(request, reply, params.planCode, existing, form.values, onFields(invalid(err), indicatorField, INDICATOR_FIELDS));
      }
    });
  }

  // ------------------------------------------------------------ retiring

  for (const kind of ['section', 'indicator'] as const) {
    pages.post(`/staff/plan/admin/plans/:planCode/${kind}s/:code/retire`, { schema: { ...hidden, params: EntityParam }, config: MANAGERS }, async (request, reply) => {
      const user = requireManager(request);
      const { planCode, code } = request.params;
      await editing.retireEntity(db, deps, request.tenant, user, planCode, kind, code, request.lang, deps.clock.now());
      return reply.redirect(`${planHref(planCode)}?done=retired`, 303);
    });
  }

  // ------------------------------------------------------------ history

  pages.get('/staff/plan/admin/plans/:planCode/history', { schema: { ...hidden, params: PlanParam }, config: MANAGERS }, async (request, reply) => {
    const user = requireManager(request);
    const lang = request.lang;
    const code = request.params.planCode;
    const changes = await editing.planHistory(db, request.tenant.id, user, code);
    const title = t(lang, 'plan.edit.history', { code });
    const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
    return reply.page('plan/views/admin-history.njk', {
      title,
      changes: changes.map((c) => {
        const keys = c.action === 'edit' ? editing.changedKeys(c.before, c.after) : [];
        const b = (c.before ?? {}) as Record<string, unknown>;
        const a = (c.after ?? {}) as Record<string, unknown>;
        return {
          at: formatDateTime(c.at.toISOString(), lang),
          who: c.actor_label,
          what: t(lang, `plan.edit.action.${c.action}`, { entity: t(lang, `plan.edit.entity.${c.entity_type}`), code: c.entity_code }),
          fields: keys.map((k) => ({ name: k, before: show(b[k]).slice(0, 300), after: show(a[k]).slice(0, 300) })),
        };
      }),
      breadcrumbs: base(lang, planCrumb(lang, code), { label: title }),
    });
  });
}
