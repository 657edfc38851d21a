/**
 * The series' pages, working without JavaScript: the public tables (each series with its
 * sources, and 6-2-3 with the inputs beside each value) and the staff page to enter values
 * and, for the plan manager, to approve or reject those waiting.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { formatDateBoth, todayJst } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle, formValues } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { HTML_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { PageData } from '../../core/web.ts';
import type { AppDeps } from '../module.ts';
import './series.messages.ts';
import { SERIES_NAMES, type SeriesName } from './series.repository.ts';
import { IdParam } from './series.schema.ts';
import * as service from './series.service.ts';

const VIEWS = 'series/views';
const hidden = { hide: true };
const PUBLIC = { access: access.public };
const STAFF = { access: access.staff };
const MANAGERS = { access: access.planManagers };
const FIELDS = ['series', 'asOf', 'value', 'source', 'note'] as const;

const numberFormat = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 2 });

export function seriesPageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();
  const today = () => todayJst(deps.clock.now());
  const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const label = (lang: Lang, s: SeriesName) => service.SERIES[s][lang];
  const crumbs = (lang: Lang) => [{ href: '/', label: t(lang, 'shell.home') }];

  const publicPage = async (request: FastifyRequest, reply: FastifyReply, build: () => Promise<PageData>) => {
    if (request.auth.user) return reply.page(`${VIEWS}/public.njk`, await build());
    return sendPublicRead(db, request, reply, { scopes: [service.SERIES_SCOPE], type: HTML_TYPE, produce: async () => reply.pageHtml(`${VIEWS}/public.njk`, await build()) });
  };

  pages.get('/series', { schema: hidden, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, async () => {
      const lang = request.lang;
      const s = await service.publicSeries(db, request.tenant.id);
      return {
        title: t(lang, 'series.public.title'),
        breadcrumbs: crumbs(lang),
        tables: s.items.map((item) => ({
          id: `series-${item.name}`,
          caption: `${item.label[lang]}（${item.unit[lang]}）`,
          rows: item.values.map((v) => ({ asOf: formatDateBoth(v.asOf), value: numberFormat.format(v.value), source: v.source ?? '', note: v.note ?? '', demo: v.demo })),
        })),
        derived: s.debtPerCapita.map((d) => ({
          asOf: formatDateBoth(d.asOf),
          value: d.value.toFixed(1),
          debt: numberFormat.format(d.debt),
          population: numberFormat.format(d.population),
          populationAsOf: formatDateBoth(d.populationAsOf),
          demo: d.demo,
        })),
        anyDemo: s.items.some((i) => i.values.some((v) => v.demo)),
      };
    }),
  );

  const staffPage = async (request: FastifyRequest, user: AuthUser, form: { errors: FieldError[]; values: Record<string, string>; done?: string }) => {
    const lang = request.lang;
    const pending = await service.pendingValues(db, request.tenant.id);
    const enterable = SERIES_NAMES.filter((s) => service.canEnterSeries(user, s));
    return {
      title: formTitle(t(lang, 'series.staff.title'), form.errors, lang),
      breadcrumbs: crumbs(lang),
      seriesOptions: enterable.map((s) => ({ value: s, label: label(lang, s) })),
      errors: form.errors,
      values: form.values,
      done: form.done ? t(lang, `series.staff.done.${form.done}`) : '',
      canApprove: service.canApproveSeries(user),
      pending: pending.map((v) => ({
        id: v.id,
        series: label(lang, v.series),
        asOf: formatDateBoth(v.asOf),
        value: numberFormat.format(v.value),
        source: v.source ?? '',
        note: v.note ?? '',
        enteredBy: v.enteredLabel,
      })),
    };
  };

  pages.get('/staff/series', { schema: { ...hidden, querystring: z.object({ done: z.enum(['entered', 'approved', 'rejected']).optional() }) }, config: STAFF }, async (request, reply) => {
    const user = requireUser(request.auth);
    return reply.page(`${VIEWS}/staff.njk`, await staffPage(request, user, { errors: [], values: { series: '', asOf: today(), value: '', source: '', note: '' }, ...(request.query.done ? { done: request.query.done } : {}) }));
  });

  pages.post('/staff/series/values', { schema: hidden, config: STAFF }, async (request, reply) => {
    const user = requireUser(request.auth);
    const values = formValues(request.body, FIELDS);
    const errors: FieldError[] = [];
    if (!service.isSeriesName(values.series)) errors.push({ path: 'series', message: t(request.lang, 'series.staff.chooseSeries') });
    const number = Number(values.value.normalize('NFKC').replace(/[,\s]/g, ''));
    if (values.value.trim() === '' || !Number.isFinite(number)) errors.push({ path: 'value', message: t(request.lang, 'series.staff.badValue') });
    if (errors.length === 0) {
      try {
        await service.enterValue(db, request.tenant, user, values.series as SeriesName, { value: number, asOf: values.asOf, note: values.note || undefined, source: values.source || undefined });
        return reply.redirect('/staff/series?done=entered', 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'validation') throw err;
        errors.push(...err.errors.map((e) => ({ path: e.path, message: e.message.split(' / ')[request.lang === 'ja' ? 0 : 1] ?? e.message })));
      }
    }
    return reply.code(400).page(`${VIEWS}/staff.njk`, await staffPage(request, user, { errors, values }));
  });

  for (const verb of ['approve', 'reject'] as const) {
    pages.post(`/staff/series/values/:id/${verb}`, { schema: { ...hidden, params: IdParam }, config: MANAGERS }, async (request, reply) => {
      const user = requireUser(request.auth);
      const reason = formValues(request.body, ['reason']).reason.trim();
      if (verb === 'reject' && !reason) {
        return reply.code(400).page(`${VIEWS}/staff.njk`, await staffPage(request, user, { errors: [{ path: `reason-${request.params.id}`, message: t(request.lang, 'series.staff.needReason') }], values: formValues({}, FIELDS) }));
      }
      await service.decideValue(db, request.tenant, user, request.params.id, verb === 'approve' ? { approve: true } : { approve: false, reason });
      return reply.redirect(`/staff/series?done=${verb === 'approve' ? 'approved' : 'rejected'}`, 303);
    });
  }
}
