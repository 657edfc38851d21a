/** Routes of the executive module: the executive view (plan managers, administrators) and the open-data catalogue (public). */
import type { FastifyInstance } from 'fastify';
import { access } from '../../core/access.ts';
import { requireUser } from '../../core/auth.ts';
import { translate } from '../../core/i18n.ts';
import { HTML_TYPE, JSON_TYPE, sendPublicRead } from '../../core/public-read.ts';
import { SURVEYS_SCOPE } from '../surveys/surveys.service.ts';
import type { AppDeps } from '../module.ts';
import { dateText } from '../plan/plan.view-model.ts';
import { executiveOverview, RECIPIENTS } from './executive.service.ts';
import { catalogue } from './executive.opendata.ts';

const PAGE = { schema: { hide: true } };

export function executiveRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/staff/executive', { ...PAGE, config: { access: access.planManagers } }, async (request, reply) => {
    const user = requireUser(request.auth);
    const lang = request.lang;
    const overview = await executiveOverview(deps, request.tenant, user, lang);
    const title = translate(lang, 'executive.title');
    return reply.page('executive/views/executive.njk', {
      title,
      overview,
      today: dateText(overview.today, lang),
      comparedWith: dateText(overview.comparison.kind === 'snapshot' ? overview.comparison.takenOn : overview.comparison.date, lang),
      setting: deps.settings.definition(RECIPIENTS).label[lang],
      breadcrumbs: [{ href: '/', label: translate(lang, 'shell.home') }, { href: '/start', label: translate(lang, 'start.title') }, { label: title }],
    });
  });

  // The catalogue changes with the licence setting (tenant scope, added by sendPublicRead) and
  // with the published surveys: a cached public read like the datasets it lists.
  const scopes = [SURVEYS_SCOPE];
  app.get('/opendata', { ...PAGE, config: { access: access.public } }, async (request, reply) => {
    const lang = request.lang;
    const title = translate(lang, 'opendata.title');
    const build = async () => ({
      title,
      catalogue: await catalogue(deps, request.tenant, lang),
      breadcrumbs: [{ href: '/', label: translate(lang, 'shell.home') }, { label: title }],
    });
    // A signed-in person's page carries their own header: never cached.
    if (request.auth.user) return reply.page('executive/views/opendata.njk', await build());
    return sendPublicRead(deps.db, request, reply, { scopes, type: HTML_TYPE, produce: async () => reply.pageHtml('executive/views/opendata.njk', await build()) });
  });

  app.get(
    '/opendata/catalogue.json',
    { config: { access: access.public }, schema: { summary: 'オープンデータの一覧（JSON） / Open data catalogue (JSON)', tags: ['opendata'] } },
    async (request, reply) =>
      sendPublicRead(deps.db, request, reply, {
        scopes,
        type: JSON_TYPE,
        produce: async () => {
          const c = await catalogue(deps, request.tenant, request.lang);
          return JSON.stringify({
            publisher: { ja: request.tenant.nameJa, en: request.tenant.nameEn },
            licence: { id: c.licence.id, name: c.licence.name, url: c.licence.url },
            datasets: c.datasets.map((d) => ({
              id: d.id,
              title: d.titleBoth,
              module: d.module,
              licence: c.licence.id,
              files: d.files.map((f) => ({ format: f.format, href: f.href, columns: f.columns, ...(f.variable ? { variableColumns: f.variable } : {}) })),
              ...(d.surveys ? { instances: d.surveys.map((s) => ({ code: s.code, files: s.files.map((f) => f.href) })) } : {}),
            })),
          });
        },
      }),
  );
}
