/** Routes for the shared pages and the API documentation. */
import type { FastifyInstance } from 'fastify';
import { access } from '../../core/access.ts';
import type { AppDeps } from '../module.ts';
import { translate } from '../../core/i18n.ts';
import { accessibilityPage, privacyPage, staticPageFor } from './site.content.ts';
import { listEndpoints } from './site.service.ts';
import { requireUser } from '../../core/auth.ts';
import { todayJst } from '../../core/dates.ts';
import { listDepartments } from '../../core/tenancy.ts';

const PUBLIC_PAGE = { schema: { hide: true }, config: { access: access.public } };

export function siteRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/', PUBLIC_PAGE, async (request, reply) =>
    reply.page('home.njk', { title: translate(request.lang, 'home.heading') }),
  );

  for (const [url, content] of [
    ['/accessibility', accessibilityPage],
    ['/privacy', privacyPage],
  ] as const) {
    app.get(url, PUBLIC_PAGE, async (request, reply) => {
      const city = request.lang === 'ja' ? request.tenant.nameJa : request.tenant.nameEn;
      const page = staticPageFor(content, request.lang, city);
      return reply.page('static-page.njk', {
        title: page.title,
        blocks: page.blocks,
        breadcrumbs: [{ href: '/', label: translate(request.lang, 'shell.home') }, { label: page.title }],
      });
    });
  }

  // Where everyone lands after signing in: what needs them now (each module's work items,
  // through the module contract) and the tools of their role.
  app.get('/start', { schema: { hide: true }, config: { access: access.user } }, async (request, reply) => {
    const user = requireUser(request.auth);
    const lang = request.lang;
    const now = deps.clock.now();
    const staff = user.role !== 'citizen';
    const items = staff
      ? await deps.workItems({ sql: deps.db, tenantId: request.tenant.id, user, lang, today: todayJst(now), now })
      : [];
    const department = user.departmentCode
      ? (await listDepartments(deps.db, request.tenant.id)).find((d) => d.code === user.departmentCode)
      : undefined;
    const title = translate(lang, 'start.title');
    return reply.page('site/views/start.njk', {
      title,
      staff,
      person: {
        name: user.displayName,
        role: translate(lang, `start.role.${user.role}`),
        department: department ? (lang === 'ja' ? department.nameJa : department.nameEn || department.nameJa) : null,
      },
      alerts: items.filter((i) => i.kind === 'alert' && i.count > 0),
      tasks: items.filter((i) => i.kind === 'task' && i.count > 0),
      tools: deps.nav
        .filter((n) => n.href !== '/start' && n.audience !== 'everyone' && n.audience.includes(user.role))
        .map((n) => ({ href: n.href, label: n.label[lang] })),
      breadcrumbs: [{ href: '/', label: translate(lang, 'shell.home') }, { label: title }],
    });
  });

  app.get('/api/openapi.json', PUBLIC_PAGE, async () => app.swagger());

  app.get('/api/docs', PUBLIC_PAGE, async (request, reply) => {
    const title = translate(request.lang, 'docs.title');
    return reply.page('site/views/api-docs.njk', {
      title,
      endpoints: listEndpoints(app.swagger() as never),
      breadcrumbs: [{ href: '/', label: translate(request.lang, 'shell.home') }, { label: title }],
    });
  });
}
