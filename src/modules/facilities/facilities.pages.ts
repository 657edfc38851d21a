/**
 * The facility register's pages, all working without JavaScript: the public list with filters
 * and the area totals as of a date, a facility with its status and change history (and, for
 * the register's staff, the status form), and the staff import form (check first, then import).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { formatDateBoth, todayJst } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle, readForm } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { readUploadForm, uploadsOf } from '../../core/multipart.ts';
import { HTML_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import type { PageData } from '../../core/web.ts';
import type { AppDeps } from '../module.ts';
import type { AreaTotals } from './facilities.areas.ts';
import { facilityMapSvg } from './facilities.map.ts';
import './facilities.messages.ts';
import { STATUSES, type Facility, type FacilityStatus } from './facilities.repository.ts';
import { IdParam, ListQuerySchema, StatusSchema } from './facilities.schema.ts';
import * as service from './facilities.service.ts';

const VIEWS = 'facilities/views';
const hidden = { hide: true };
const PUBLIC = { access: access.public };
const STAFF = { access: access.staff };
const STATUS_FIELDS = ['status', 'on', 'note'] as const;
/** Facilities drawn on the map at most (the filtered list's first ones). */
const MAP_LIMIT = 2000;

const areaFormat = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 2 });
const area = (n: number | null) => (n === null ? '—' : areaFormat.format(n));

export function facilityPageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();
  const today = () => todayJst(deps.clock.now());
  const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const statusLabel = (lang: Lang, s: FacilityStatus) => service.STATUS_LABELS[s][lang];
  const crumbs = (lang: Lang, ...rest: Breadcrumb[]): Breadcrumb[] => [{ href: '/', label: t(lang, 'shell.home') }, { href: '/facilities', label: t(lang, 'facilities.list.title') }, ...rest];
  const manager = (request: FastifyRequest): AuthUser | null => {
    const { user, mfaPassed, via } = request.auth;
    if (!user || !service.canManageFacilities(user)) return null;
    return mfaPassed || via === 'token' ? user : null;
  };
  /** A public page: cached for visitors who are not signed in; rendered afresh for the signed-in. */
  const publicPage = async (request: FastifyRequest, reply: FastifyReply, template: string, build: () => Promise<PageData>) => {
    if (request.auth.user) return reply.page(template, await build());
    return sendPublicRead(db, request, reply, { scopes: [service.FACILITIES_SCOPE], type: HTML_TYPE, today: today(), produce: async () => reply.pageHtml(template, await build()) });
  };

  const totalsRows = (lang: Lang, totals: AreaTotals) =>
    totals.byCategory.map((c) => ({
      category: (c.category ?? t(lang, 'facilities.filter.uncategorised')) + (c.isPark ? `（${t(lang, 'facilities.totals.excluded')}）` : ''),
      count: String(c.count),
      floorArea: area(c.floorArea),
      siteArea: area(c.siteArea),
      total: area(c.total),
    }));

  pages.get('/facilities', { schema: { ...hidden, querystring: ListQuerySchema }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, `${VIEWS}/list.njk`, async () => {
      const lang = request.lang;
      const q = request.query;
      const asOf = q.asOf ?? today();
      const [{ total, items }, totals, categories, mapped] = await Promise.all([
        service.listFacilities(db, request.tenant.id, { ...q, asOf }),
        service.areaTotals(db, request.tenant.id, asOf),
        service.categories(db, request.tenant.id),
        service.listFacilities(db, request.tenant.id, { ...q, asOf, limit: MAP_LIMIT, offset: 0 }),
      ]);
      const mapTitle = t(lang, 'facilities.map.title', { count: mapped.items.filter((f) => f.latitude !== null).length });
      const map = await facilityMapSvg(mapped.items, {
        title: mapTitle,
        description: t(lang, 'facilities.map.desc'),
        parks: t(lang, 'facilities.map.parks'),
        others: t(lang, 'facilities.map.others'),
      });
      const params = (offset: number) => {
        const p = new URLSearchParams();
        for (const [k, v] of Object.entries({ q: q.q, category: q.category, status: q.status, asOf: q.asOf })) if (v) p.set(k, v);
        if (offset) p.set('offset', String(offset));
        if (q.limit !== 50) p.set('limit', String(q.limit));
        const s = p.toString();
        return `/facilities${s ? `?${s}` : ''}`;
      };
      return {
        title: t(lang, 'facilities.list.title'),
        breadcrumbs: [{ href: '/', label: t(lang, 'shell.home') }],
        values: { q: q.q ?? '', category: q.category ?? '', status: q.status ?? '', asOf: q.asOf ?? '' },
        categoryOptions: [{ value: '', label: t(lang, 'facilities.filter.any') }, ...categories.map((c) => ({ value: c, label: c }))],
        statusOptions: [{ value: '', label: t(lang, 'facilities.filter.any') }, ...STATUSES.map((s) => ({ value: s, label: statusLabel(lang, s) }))],
        asOfText: formatDateBoth(asOf),
        totals: { total: area(totals.total), floorArea: area(totals.floorArea), siteArea: area(totals.siteArea), count: String(totals.count), rows: totalsRows(lang, totals) },
        rows: items.map((f) => ({
          href: `/facilities/${f.id}`,
          externalId: f.externalId,
          name: f.name,
          category: f.category ?? '',
          address: f.address ?? '',
          floorArea: area(f.floorArea),
          siteArea: area(f.siteArea),
          status: statusLabel(lang, f.statusOn),
          demo: f.isDemo,
        })),
        anyDemo: totals.demo || items.some((f) => f.isDemo),
        total,
        range: total ? t(lang, 'facilities.list.range', { total, from: q.offset + 1, to: Math.min(q.offset + q.limit, total) }) : '',
        previous: q.offset > 0 ? params(Math.max(0, q.offset - q.limit)) : null,
        next: q.offset + q.limit < total ? params(q.offset + q.limit) : null,
        canImport: !!manager(request),
        map,
        mapTitle,
      };
    }),
  );

  const detailPage = async (request: FastifyRequest, id: string, form: { errors: FieldError[]; values: Record<string, string>; done?: boolean }) => {
    const lang = request.lang;
    const d = await service.facilityDetail(db, request.tenant.id, id);
    const f: Facility = d.facility;
    const fieldNames: Record<string, string> = {
      name: t(lang, 'facilities.field.name'),
      nameKana: t(lang, 'facilities.field.kana'),
      category: t(lang, 'facilities.field.category'),
      address: t(lang, 'facilities.field.address'),
      floorArea: t(lang, 'facilities.field.floorArea'),
      siteArea: t(lang, 'facilities.field.siteArea'),
    };
    const eventText = (kind: string, changes: Record<string, unknown>) => {
      if (kind === 'created') return t(lang, 'facilities.event.created');
      if (kind === 'status') {
        return t(lang, 'facilities.event.status', {
          from: statusLabel(lang, changes.from as FacilityStatus),
          to: statusLabel(lang, changes.to as FacilityStatus),
          on: String(changes.on),
        });
      }
      const fields = Object.keys((changes.fields ?? {}) as Record<string, unknown>).map((k) => fieldNames[k] ?? k.replace(/^dataset\./, ''));
      return t(lang, 'facilities.event.updated', { fields: fields.join('、') });
    };
    const canEdit = !!manager(request) && (service.NEXT_STATUSES[f.status].length > 0);
    return {
      title: formTitle(f.name, form.errors, lang),
      breadcrumbs: crumbs(lang),
      f: {
        ...f,
        status: statusLabel(lang, f.status),
        statusSince: formatDateBoth(f.statusSince),
        floorArea: area(f.floorArea),
        siteArea: area(f.siteArea),
        coordinates: f.latitude !== null ? `${f.latitude}, ${f.longitude}` : '—',
      },
      dataset: Object.entries(f.dataset).map(([k, v]) => ({ k, v })),
      statuses: d.statuses.map((s) => ({ on: formatDateBoth(s.effectiveOn), status: statusLabel(lang, s.status), note: s.note ?? '' })),
      events: d.events.map((e) => ({ at: formatDateBoth(todayJst(e.at)), what: eventText(e.kind, e.changes), who: e.actorLabel })),
      canEdit,
      statusOptions: service.NEXT_STATUSES[f.status].map((s) => ({ value: s, label: statusLabel(lang, s) })),
      errors: form.errors,
      values: form.values,
      done: form.done ?? false,
      action: `/facilities/${f.id}/status`,
    };
  };

  pages.get('/facilities/:id', { schema: { ...hidden, params: IdParam, querystring: z.object({ done: z.string().optional() }) }, config: PUBLIC }, async (request, reply) => {
    const values = { status: '', on: today(), note: '' };
    if (manager(request)) return reply.page(`${VIEWS}/detail.njk`, await detailPage(request, request.params.id, { errors: [], values, done: request.query.done === '1' }));
    return publicPage(request, reply, `${VIEWS}/detail.njk`, () => detailPage(request, request.params.id, { errors: [], values }));
  });

  pages.post('/facilities/:id/status', { schema: { ...hidden, params: IdParam }, config: STAFF }, async (request, reply) => {
    const user = requireUser(request.auth);
    if (!service.canManageFacilities(user)) throw new AppError('forbidden');
    const form = readForm(StatusSchema, stripCsrf(request.body), STATUS_FIELDS, request.lang);
    if (!form.ok) return reply.code(400).page(`${VIEWS}/detail.njk`, await detailPage(request, request.params.id, form));
    try {
      await service.changeStatus(db, request.tenant, user, request.params.id, { ...form.value, note: form.value.note || undefined });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'validation' || err.code === 'conflict')) {
        const errors = err.errors.length ? err.errors : [{ path: 'status', message: err.detail ? err.detail[request.lang] : err.message }];
        return reply.code(err.status).page(`${VIEWS}/detail.njk`, await detailPage(request, request.params.id, { errors, values: form.values }));
      }
      throw err;
    }
    return reply.redirect(`/facilities/${request.params.id}?done=1`, 303);
  });

  const importPage = (lang: Lang, data: Partial<Record<string, unknown>> = {}): PageData => ({
    title: formTitle(t(lang, 'facilities.import.title'), (data.errors as FieldError[] | undefined) ?? [], lang),
    breadcrumbs: crumbs(lang),
    errors: [],
    result: null,
    ...data,
  });

  pages.get('/staff/facilities/import', { schema: hidden, config: STAFF }, async (request, reply) => {
    if (!service.canManageFacilities(requireUser(request.auth))) throw new AppError('forbidden');
    return reply.page(`${VIEWS}/import.njk`, importPage(request.lang));
  });

  pages.post('/staff/facilities/import', { schema: hidden, config: STAFF, bodyLimit: 12 * 1024 * 1024, preValidation: readUploadForm }, async (request, reply) => {
    const user = requireUser(request.auth);
    if (!service.canManageFacilities(user)) throw new AppError('forbidden');
    const lang = request.lang;
    const file = uploadsOf(request).find((u) => u.field === 'file');
    if (!file) return reply.code(400).page(`${VIEWS}/import.njk`, importPage(lang, { errors: [{ path: 'file', message: t(lang, 'facilities.import.noFile') }] }));
    const dryRun = (request.body as Record<string, string> | undefined)?.mode !== 'apply';
    const r = await service.importFacilities(db, request.tenant, { id: user.id, label: user.email }, file.bytes, { dryRun, today: today() });
    const refused = r.problems.some((p) => p.severity === 'error');
    return reply.code(refused ? 422 : 200).page(
      `${VIEWS}/import.njk`,
      importPage(lang, {
        result: {
          summary: t(lang, 'facilities.import.summary', { rows: r.rows, created: r.created, updated: r.updated, unchanged: r.unchanged, missing: r.missing.length }),
          outcome: refused ? t(lang, 'facilities.import.refused') : dryRun ? t(lang, 'facilities.import.checked') : t(lang, 'facilities.import.done', { imported: r.imported }),
          refused,
          problems: r.problems.map((p) => ({ ...p, column: p.column ?? '—', severity: t(lang, `facilities.import.${p.severity}`), isError: p.severity === 'error' })),
          missing: r.missing,
        },
      }),
    );
  });
}

/** The posted form without its CSRF token (the status schema is strict). */
function stripCsrf(body: unknown): Record<string, unknown> {
  const { _csrf: _ignored, ...rest } = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (!(k === 'note' && v === '')) out[k] = v;
  return out;
}
