/** Routes for the shared pages and the API documentation. */
import type { FastifyInstance } from 'fastify';
import { access } from '../../core/access.ts';
import type { AppDeps } from '../module.ts';
import { translate } from '../../core/i18n.ts';
import { accessibilityPage, privacyPage, staticPageFor } from './site.content.ts';
import { listEndpoints } from './site.service.ts';

const PUBLIC_PAGE = { schema: { hide: true }, config: { access: access.public } };

export function siteRoutes(app: FastifyInstance, _deps: AppDeps): void {
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
