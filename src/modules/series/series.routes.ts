/** The series' JSON API (DESIGN.md "facilities and series") and open data. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { access } from '../../core/access.ts';
import { requireUser } from '../../core/auth.ts';
import { AppError } from '../../core/errors.ts';
import { CSV_TYPE, JSON_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { AppDeps } from '../module.ts';
import { toCsv } from '../facilities/facilities.csv.ts';
import { seriesPageRoutes } from './series.pages.ts';
import type { SeriesName } from './series.repository.ts';
import { IdParam, NameParam, RejectSchema, ValueSchema } from './series.schema.ts';
import * as service from './series.service.ts';

const TAGS = ['series'];
const bearer = [{ bearer: [] }];
const PUBLIC = { access: access.public };
const STAFF = { access: access.staff };
const MANAGERS = { access: access.planManagers };

function seriesOf(name: string): SeriesName {
  if (!service.isSeriesName(name)) throw new AppError('not_found');
  return name;
}

export function seriesRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const publicRead = (request: FastifyRequest, reply: FastifyReply, type: string, produce: () => Promise<string>) =>
    sendPublicRead(db, request, reply, { scopes: [service.SERIES_SCOPE], type, produce });

  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

  api.get('/api/v1/series', { config: PUBLIC, schema: { summary: '時系列（人口・通常債残高・職員数）と一人あたり通常債残高 / The series and debt per resident', tags: TAGS } }, async (request, reply) =>
    publicRead(request, reply, JSON_TYPE, async () => JSON.stringify(await service.publicSeries(db, request.tenant.id))),
  );

  api.get('/api/v1/series/:name', { config: PUBLIC, schema: { summary: '一つの時系列（承認済みの値） / One series (approved values)', tags: TAGS, params: NameParam } }, async (request, reply) => {
    const name = seriesOf(request.params.name);
    return publicRead(request, reply, JSON_TYPE, async () => {
      const values = await service.approvedValues(db, request.tenant.id, name);
      return JSON.stringify({ name, label: { ja: service.SERIES[name].ja, en: service.SERIES[name].en }, unit: service.SERIES[name].unit, total: values.length, items: values.map(service.valueItem) });
    });
  });

  api.post(
    '/api/v1/series/:name/values',
    { config: STAFF, schema: { summary: '値の入力（承認待ちになる） / Enter a value (awaits approval)', tags: TAGS, security: bearer, params: NameParam, body: ValueSchema } },
    async (request, reply) => {
      const v = await service.enterValue(db, request.tenant, requireUser(request.auth), seriesOf(request.params.name), request.body);
      return reply.code(201).send(service.valueItem(v));
    },
  );

  api.post(
    '/api/v1/series/:name/import',
    { config: STAFF, schema: { summary: 'CSV（基準日,値,備考,出典）の取込み（承認待ち） / Import values from CSV', tags: TAGS, security: bearer, params: NameParam } },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) throw new AppError('unsupported_media_type');
      return reply.code(201).send(await service.importValues(db, request.tenant, requireUser(request.auth), seriesOf(request.params.name), request.body));
    },
  );

  api.get('/api/v1/staff/series/pending', { config: STAFF, schema: { summary: '承認待ちの値 / Values awaiting approval', tags: TAGS, security: bearer } }, async (request) => {
    const items = (await service.pendingValues(db, request.tenant.id)).map((v) => ({ series: v.series, ...service.valueItem(v) }));
    return { total: items.length, items };
  });

  api.post(
    '/api/v1/series/values/:id/approve',
    { config: MANAGERS, schema: { summary: '値の承認（政策推進課） / Approve a value', tags: TAGS, security: bearer, params: IdParam } },
    async (request) => service.valueItem(await service.decideValue(db, request.tenant, requireUser(request.auth), request.params.id, { approve: true })),
  );

  api.post(
    '/api/v1/series/values/:id/reject',
    { config: MANAGERS, schema: { summary: '値の差し戻し / Reject a value', tags: TAGS, security: bearer, params: IdParam, body: RejectSchema } },
    async (request) =>
      service.valueItem(await service.decideValue(db, request.tenant, requireUser(request.auth), request.params.id, { approve: false, reason: request.body.reason })),
  );

  app.get('/opendata/series.csv', { config: PUBLIC, schema: { summary: 'オープンデータ：時系列（CSV, UTF-8 BOM） / Open data: series (CSV)', tags: ['opendata'] } }, async (request, reply) => {
    reply.header('content-disposition', 'attachment; filename="series.csv"');
    return publicRead(request, reply, CSV_TYPE, async () => {
      const s = await service.publicSeries(db, request.tenant.id);
      const rows: string[][] = [['系列', '系列名', '基準日', '値', '単位', '出典', '備考', 'デモ']];
      for (const item of s.items) for (const v of item.values) rows.push([item.name, item.label.ja, v.asOf, String(v.value), item.unit.ja, v.source ?? '', v.note ?? '', v.demo ? 'デモ' : '']);
      for (const d of s.debtPerCapita) rows.push(['debtPerCapita', '市民一人あたりの通常債残高', d.asOf, String(d.value), '万円', '通常債残高 ÷ 人口', `${d.debt} ÷ ${d.population}（${d.populationAsOf}）`, d.demo ? 'デモ' : '']);
      return toCsv(rows);
    });
  });

  app.get('/opendata/series.json', { config: PUBLIC, schema: { summary: 'オープンデータ：時系列（JSON） / Open data: series (JSON)', tags: ['opendata'] } }, async (request, reply) =>
    publicRead(request, reply, JSON_TYPE, async () => JSON.stringify(await service.publicSeries(db, request.tenant.id))),
  );

  seriesPageRoutes(app, deps);
}
