/**
 * The facility register's JSON API (DESIGN.md "facilities and series") and open data. Routes
 * validate, authorise, call one service function and serialise.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { access } from '../../core/access.ts';
import { requireUser } from '../../core/auth.ts';
import { todayJst } from '../../core/dates.ts';
import { AppError } from '../../core/errors.ts';
import { acceptMultipart, readUploadForm, uploadsOf } from '../../core/multipart.ts';
import { CSV_TYPE, JSON_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { AppDeps } from '../module.ts';
import { facilitiesCsv, facilitiesJson } from './facilities.opendata.ts';
import { facilityPageRoutes } from './facilities.pages.ts';
import { AsOfQuerySchema, facilityItem, IdParam, ImportQuerySchema, LIMITS, ListQuerySchema, ListSchema, StatusSchema } from './facilities.schema.ts';
import * as service from './facilities.service.ts';

const TAGS = ['facilities'];
const bearer = [{ bearer: [] }];
const PUBLIC = { access: access.public };
const STAFF = { access: access.staff };

/** The bytes of an import request: a CSV body in any encoding, or the multipart field `file`. */
function importBytes(request: FastifyRequest): Buffer {
  if (Buffer.isBuffer(request.body)) return request.body;
  const file = uploadsOf(request).find((u) => u.field === 'file');
  if (file) return file.bytes;
  throw new AppError('validation', undefined, [{ path: 'file', message: '公共施設一覧の CSV ファイルを送ってください / Send the 公共施設一覧 CSV file' }]);
}

export function facilitiesRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const today = () => todayJst(deps.clock.now());
  const publicRead = (request: FastifyRequest, reply: FastifyReply, type: string, produce: () => Promise<string>) =>
    sendPublicRead(db, request, reply, { scopes: [service.FACILITIES_SCOPE], type, today: today(), produce });

  // A file as the body, in whatever encoding the city saved it (decoded by the service).
  app.addContentTypeParser(['text/csv', 'application/csv', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: LIMITS.importBytes }, (_req, body, done) =>
    done(null, body),
  );
  acceptMultipart(app, { fileSize: LIMITS.importBytes, files: 1, fields: 10 });

  api.get(
    '/api/v1/facilities',
    { config: PUBLIC, schema: { summary: '公共施設の一覧（状態は asOf の日のもの） / Public facilities', tags: TAGS, querystring: ListQuerySchema, response: { 200: ListSchema } } },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () => {
        const asOf = request.query.asOf ?? today();
        const { total, items } = await service.listFacilities(db, request.tenant.id, { ...request.query, asOf });
        return JSON.stringify({ total, asOf, items: items.map(facilityItem) });
      }),
  );

  api.get(
    '/api/v1/facilities/totals',
    { config: PUBLIC, schema: { summary: '延床面積・敷地面積の合計（分類別、公園を除く合計） / Area totals as of a date', tags: TAGS, querystring: AsOfQuerySchema } },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () => JSON.stringify(await service.areaTotals(db, request.tenant.id, request.query.asOf ?? today()))),
  );

  api.get(
    '/api/v1/facilities/:id',
    { config: PUBLIC, schema: { summary: '施設と状態・変更の履歴 / A facility with its history', tags: TAGS, params: IdParam } },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () => {
        const d = await service.facilityDetail(db, request.tenant.id, request.params.id);
        return JSON.stringify({
          ...facilityItem(d.facility),
          dataset: d.facility.dataset,
          statuses: d.statuses,
          events: d.events.map((e) => ({ kind: e.kind, changes: e.changes, at: e.at.toISOString() })),
        });
      }),
  );

  api.post(
    '/api/v1/facilities/import',
    {
      config: STAFF,
      preValidation: readUploadForm,
      schema: { summary: '公共施設一覧（両版）の取込み。dryRun=true で検査のみ / Import 公共施設一覧 (dry run first)', tags: TAGS, security: bearer, querystring: ImportQuerySchema },
    },
    async (request, reply) => {
      const user = requireUser(request.auth);
      if (!service.canManageFacilities(user)) throw new AppError('forbidden');
      const dryRun = request.query.dryRun === 'true' || request.query.dryRun === '1';
      const result = await service.importFacilities(db, request.tenant, { id: user.id, label: user.email }, importBytes(request), { dryRun, today: today() });
      if (result.problems.some((p) => p.severity === 'error')) {
        // Refused whole: a problem document that also carries the import's answer.
        return reply
          .code(422)
          .type('application/problem+json')
          .send({ type: 'about:blank', title: 'ファイルに誤りがあるため取り込みませんでした / The file has errors; nothing was imported', status: 422, ...result });
      }
      return reply.code(dryRun ? 200 : 201).send(result);
    },
  );

  api.post(
    '/api/v1/facilities/:id/status',
    { config: STAFF, schema: { summary: '状態の変更（供用中・休止・解体・譲渡） / Change a facility’s status', tags: TAGS, security: bearer, params: IdParam, body: StatusSchema } },
    async (request) => facilityItem(await service.changeStatus(db, request.tenant, requireUser(request.auth), request.params.id, request.body)),
  );

  app.get(
    '/opendata/facilities.csv',
    { config: PUBLIC, schema: { summary: 'オープンデータ：公共施設一覧（2024年版＋面積、CSV, UTF-8 BOM） / Open data: public facilities (CSV)', tags: ['opendata'] } },
    async (request, reply) => {
      reply.header('content-disposition', 'attachment; filename="facilities.csv"');
      return publicRead(request, reply, CSV_TYPE, async () => facilitiesCsv(await service.allFacilities(db, request.tenant.id)));
    },
  );

  app.get(
    '/opendata/facilities.json',
    { config: PUBLIC, schema: { summary: 'オープンデータ：公共施設一覧（JSON） / Open data: public facilities (JSON)', tags: ['opendata'] } },
    async (request, reply) => publicRead(request, reply, JSON_TYPE, async () => facilitiesJson(await service.allFacilities(db, request.tenant.id))),
  );

  facilityPageRoutes(app, deps);
}
