/** Pages of the municipality's administration: settings, departments and scheduled jobs (administrators). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireRole } from '../../core/auth.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle, formValues } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { JobRow, JobRunRow } from '../../core/scheduler.ts';
import type { AppDeps } from '../module.ts';
import * as admin from './admin.service.ts';
import { toCsv } from '../../core/csv.ts';

const PAGE = { schema: { hide: true }, config: { access: access.admins } };
const CodeParam = z.object({ code: z.string().min(1).max(40) });

const DATE_TIME: Record<Lang, Intl.DateTimeFormat> = {
  ja: new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }),
};
const when = (d: Date | null, lang: Lang) => (d ? DATE_TIME[lang].format(d) + (lang === 'en' ? ' JST' : '') : '—');

function crumbs(lang: Lang, here: string, parent?: { href: string; label: string }) {
  return [
    { href: '/admin', label: translate(lang, 'admin.title') },
    ...(parent ? [parent] : []),
    { label: here },
  ];
}

const bodyOf = (request: FastifyRequest) => (request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {});

export function adminRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db, settings, clock } = deps;
  const adminOf = (request: FastifyRequest) => requireRole(request.auth, ['admin']);

  // ---- The municipality and its settings

  async function municipalityPage(request: FastifyRequest, reply: FastifyReply, values: Record<string, string> | null, errors: FieldError[], saved = false) {
    const lang = request.lang;
    const { profile, settings: list } = await admin.municipalityOverview(db, settings, request.tenant);
    const heading = translate(lang, 'admin.municipality.title');
    const shown = values ?? {
      nameJa: profile.nameJa,
      nameEn: profile.nameEn,
      hostnames: profile.hostnames.join('\n'),
      ...Object.fromEntries(list.map((s) => [s.definition.key, String(s.value)])),
    };
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .page('admin/views/municipality.njk', {
        title: formTitle(heading, errors, lang),
        heading,
        profile,
        values: shown,
        settings: list.map((s) => {
          const typed = values ? (s.definition.type === 'boolean' ? values[s.definition.key] === 'true' : values[s.definition.key] ?? '') : s.value;
          return admin.settingView(s.definition, typed as never, lang);
        }),
        errors,
        saved,
        breadcrumbs: crumbs(lang, heading),
      });
  }

  app.get('/admin/municipality', PAGE, async (request, reply) => {
    adminOf(request);
    return municipalityPage(request, reply, null, [], (request.query as { saved?: string }).saved === '1');
  });

  app.post('/admin/municipality', PAGE, async (request, reply) => {
    const user = adminOf(request);
    const body = bodyOf(request);
    try {
      await admin.saveMunicipality(db, settings, request.tenant, user, body, request.lang);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'validation')) throw err;
      const keys = ['nameJa', 'nameEn', 'hostnames', ...settings.list().map((d) => d.key)];
      return municipalityPage(request, reply, formValues(body, keys), err.errors);
    }
    return reply.redirect('/admin/municipality?saved=1', 303);
  });

  // ---- Departments

  async function departmentsPage(request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[]) {
    const lang = request.lang;
    const heading = translate(lang, 'admin.departments.title');
    const done = (request.query as { done?: string }).done;
    const notices: Record<string, string> = {
      added: 'admin.departments.added',
      renamed: 'admin.departments.renamed',
      retired: 'admin.departments.retiredDone',
      reinstated: 'admin.departments.reinstated',
    };
    return reply.code(errors.length ? 400 : 200).page('admin/views/departments.njk', {
      title: formTitle(heading, errors, lang),
      heading,
      departments: await admin.departmentsOverview(db, request.tenant),
      values,
      errors,
      notice: done && notices[done] ? translate(lang, notices[done]) : '',
      breadcrumbs: crumbs(lang, heading),
    });
  }

  app.get('/admin/departments', PAGE, async (request, reply) => {
    adminOf(request);
    return departmentsPage(request, reply, { code: '', nameJa: '', nameEn: '' }, []);
  });

  app.post('/admin/departments', PAGE, async (request, reply) => {
    const user = adminOf(request);
    const body = bodyOf(request);
    try {
      await admin.addDepartment(db, request.tenant, user, body, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return departmentsPage(request, reply, formValues(body, ['code', 'nameJa', 'nameEn']), err.errors);
      throw err;
    }
    return reply.redirect('/admin/departments?done=added', 303);
  });

  async function departmentPage(request: FastifyRequest, reply: FastifyReply, code: string, values: Record<string, string> | null, errors: FieldError[]) {
    const lang = request.lang;
    const department = (await admin.departmentsOverview(db, request.tenant)).find((d) => d.code === code);
    if (!department) throw new AppError('not_found');
    const name = lang === 'ja' ? department.nameJa : department.nameEn;
    const heading = `${translate(lang, 'admin.departments.title')}: ${name}`;
    return reply.code(errors.length ? 400 : 200).page('admin/views/department.njk', {
      title: formTitle(heading, errors, lang),
      heading,
      department: { ...department, name },
      values: values ?? { nameJa: department.nameJa, nameEn: department.nameEn },
      errors,
      breadcrumbs: crumbs(lang, name, { href: '/admin/departments', label: translate(lang, 'admin.departments.title') }),
    });
  }

  app.get('/admin/departments/:code', { ...PAGE, schema: { hide: true, params: CodeParam } }, async (request, reply) => {
    adminOf(request);
    return departmentPage(request, reply, (request.params as { code: string }).code, null, []);
  });

  app.post('/admin/departments/:code', { ...PAGE, schema: { hide: true, params: CodeParam } }, async (request, reply) => {
    const user = adminOf(request);
    const { code } = request.params as { code: string };
    const body = bodyOf(request);
    try {
      await admin.renameDepartmentAs(db, request.tenant, user, code, body, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return departmentPage(request, reply, code, formValues(body, ['nameJa', 'nameEn']), err.errors);
      throw err;
    }
    return reply.redirect('/admin/departments?done=renamed', 303);
  });

  for (const [verb, retired] of [['retire', true], ['reinstate', false]] as const) {
    app.post(`/admin/departments/:code/${verb}`, { ...PAGE, schema: { hide: true, params: CodeParam } }, async (request, reply) => {
      const user = adminOf(request);
      await admin.retireDepartment(db, request.tenant, user, (request.params as { code: string }).code, retired, clock.now());
      return reply.redirect(`/admin/departments?done=${retired ? 'retired' : 'reinstated'}`, 303);
    });
  }

  // ---- Scheduled jobs

  app.get('/admin/jobs', PAGE, async (request, reply) => {
    adminOf(request);
    const lang = request.lang;
    const { jobs, runs } = await admin.jobsOverview(db, request.tenant);
    const title = translate(lang, 'admin.jobs.title');
    const status = (s: JobRow['last_status'] | JobRunRow['status'] | null) => translate(lang, s ? `admin.jobs.${s}` : 'admin.jobs.never');
    return reply.page('admin/views/jobs.njk', {
      title,
      triggered: (request.query as { triggered?: string }).triggered === '1',
      jobs: jobs.map((j) => ({
        name: j.name,
        key: j.key,
        every: j.every_seconds ? translate(lang, 'admin.jobs.everySeconds', { n: j.every_seconds }) : translate(lang, 'admin.jobs.once'),
        next: j.gave_up_at ? translate(lang, 'admin.jobs.gaveUp') : when(j.run_at, lang),
        last: when(j.last_finished_at ?? j.last_started_at, lang),
        status: status(j.last_status),
        error: j.last_status === 'failed' ? j.last_error : '',
      })),
      runs: runs.map((r) => ({ name: r.name, key: r.key, started: when(r.started_at, lang), status: status(r.status), detail: r.error ?? r.summary ?? '', owner: r.owner })),
      breadcrumbs: crumbs(lang, title),
    });
  });

  app.post('/admin/jobs/run', PAGE, async (request, reply) => {
    const user = adminOf(request);
    const body = formValues(bodyOf(request), ['name', 'key']);
    if (!body.name || body.name.length > 100 || body.key.length > 200) throw new AppError('bad_request');
    await admin.runJobNow(db, request.tenant, user, body.name, body.key, clock.now());
    return reply.redirect('/admin/jobs?triggered=1', 303);
  });

  // ---- The audit log

  const AuditQuery = z.object({
    actor: z.string().trim().max(100).optional(),
    action: z.string().trim().max(60).regex(/^[a-z0-9_.]*$/, { message: '操作は英小文字・数字・「.」「_」で入力してください / Use lower-case letters, digits, "." and "_"' }).optional(),
    from: z.union([z.literal(''), z.iso.date()]).optional(),
    to: z.union([z.literal(''), z.iso.date()]).optional(),
    before: z.coerce.number().int().min(1).optional(),
  });
  type AuditQuery = z.infer<typeof AuditQuery>;
  const filterOf = (q: AuditQuery): admin.AuditFilter => ({
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.before ? { before: q.before } : {}),
  });
  const queryString = (q: AuditQuery, extra: Record<string, string | number> = {}) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ actor: q.actor, action: q.action, from: q.from, to: q.to, ...extra })) if (v) params.set(k, String(v));
    const text = params.toString();
    return text ? `?${text}` : '';
  };

  async function auditPage(request: FastifyRequest, reply: FastifyReply, q: AuditQuery, report: Awaited<ReturnType<typeof admin.verifyAuditLog>> | null) {
    const lang = request.lang;
    const [{ entries, more }, state] = await Promise.all([
      admin.auditEntries(db, request.tenant, filterOf(q), admin.AUDIT_PAGE_SIZE),
      admin.auditSealState(db, deps.config, request.tenant),
    ]);
    const title = translate(lang, 'admin.audit.title');
    return reply.header('cache-control', 'no-store').page('admin/views/audit.njk', {
      title,
      values: { actor: q.actor ?? '', action: q.action ?? '', from: q.from ?? '', to: q.to ?? '' },
      entries: entries.map((e) => ({
        ...e,
        at: when(e.at, lang),
        channel: translate(lang, `admin.audit.channel.${e.channel}`),
      })),
      state: { ...state, anchoredAt: state.anchoredAt ? when(new Date(state.anchoredAt), lang) : null },
      report,
      filtered: Boolean(q.actor || q.action || q.from || q.to),
      firstPage: q.before ? `/admin/audit${queryString(q)}` : null,
      nextPage: more && entries.length ? `/admin/audit${queryString(q, { before: entries.at(-1)!.seq })}` : null,
      csvHref: `/admin/audit.csv${queryString(q)}`,
      breadcrumbs: crumbs(lang, title),
    });
  }

  app.get('/admin/audit', { schema: { hide: true, querystring: AuditQuery }, config: { access: access.admins } }, async (request, reply) => {
    adminOf(request);
    return auditPage(request, reply, request.query as AuditQuery, null);
  });

  app.post('/admin/audit/verify', PAGE, async (request, reply) => {
    const user = adminOf(request);
    const report = await admin.verifyAuditLog(db, deps.config, request.tenant, user, clock.now());
    return auditPage(request, reply, {}, report);
  });

  app.get('/admin/audit.csv', { schema: { hide: true, querystring: AuditQuery }, config: { access: access.admins } }, async (request, reply) => {
    adminOf(request);
    const q = request.query as AuditQuery;
    const { entries } = await admin.auditEntries(db, request.tenant, filterOf(q), admin.AUDIT_CSV_MAX);
    const rows = entries.map((e) => [
      e.seq, e.at.toISOString(), e.actorLabel, e.actorName ?? '', e.channel, e.action, e.entityType, e.entityId ?? '', e.targetName ?? '', e.details,
    ]);
    const header = ['番号 seq', '日時 at (UTC)', '操作者 actor', '氏名 name', '経路 channel', '操作 action', '対象 entity', '対象ID entity id', '対象の氏名 target', '詳細 details'];
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="audit-${request.tenant.code}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(toCsv([header, ...rows]));
  });
}
