/**
 * The surveys JSON API (DESIGN.md "surveys") and its open data. Routes validate, authorise,
 * call one service function and serialise.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { stringify } from 'csv-stringify/sync';
import { access } from '../../core/access.ts';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { AppError } from '../../core/errors.ts';
import { CSV_TYPE, JSON_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { AppDeps } from '../module.ts';
import { importAnswers } from './surveys.import.ts';
import { answersCsv, answersJson, resultsCsv } from './surveys.opendata.ts';
import { surveyPageRoutes } from './surveys.pages.ts';
import { canManageSurveys } from './surveys.policy.ts';
import { CodeParam, EmptySchema, ImportQuery, InvitationsSchema, ListQuery, questionItem, resultsItem, surveyItem } from './surveys.schema.ts';
import * as service from './surveys.service.ts';

const TAGS = ['surveys'];
const bearer = [{ bearer: [] }];
const STAFF = { access: access.staff };
const PUBLIC = { access: access.public };
/** Bodies the service validates itself, so every problem is reported at once. */
const validatedByService = { validatorCompiler: () => (data: unknown) => ({ value: data }) };

/** The signed-in user whose sign-in is complete (a staff session waiting for its second factor counts as nobody). */
export function viewerOf(request: FastifyRequest): AuthUser | null {
  const { user, mfaPassed, via } = request.auth;
  if (!user) return null;
  return canManageSurveys(user) && via === 'session' && !mfaPassed ? null : user;
}

export function surveysRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const api = app.withTypeProvider<ZodTypeProvider>();
  /** A public read: cached for visitors; staff (who may see unpublished results) get it afresh. */
  const publicRead = async (request: FastifyRequest, reply: FastifyReply, type: string, produce: () => Promise<string>) => {
    if (viewerOf(request)) return reply.type(type).send(await produce());
    return sendPublicRead(db, request, reply, { scopes: [service.SURVEYS_SCOPE], type, produce });
  };

  api.post(
    '/api/v1/surveys',
    { config: { ...STAFF, bodyShape: { maxKeys: 20_000, maxValues: 50_000, maxDepth: 8 } }, ...validatedByService, schema: { summary: '調査の作成（職員） / Create a survey (staff)', tags: TAGS, security: bearer } },
    async (request, reply) => reply.code(201).send(surveyItem(await service.createSurvey(deps, request.tenant, requireUser(request.auth), request.body, request.lang))),
  );

  api.get('/api/v1/surveys', { config: PUBLIC, schema: { summary: '調査の一覧 / Surveys', tags: TAGS, querystring: ListQuery } }, async (request) => {
    const { total, items } = await service.listSurveys(db, request.tenant.id, viewerOf(request), request.query);
    return { total, items: items.map(surveyItem) };
  });

  api.get('/api/v1/surveys/:code', { config: PUBLIC, schema: { summary: '調査と設問 / A survey and its questions', tags: TAGS, params: CodeParam } }, async (request) => {
    const { survey, questions } = await service.getSurvey(db, request.tenant.id, viewerOf(request), request.params.code);
    return { ...surveyItem(survey), questions: questions.map(questionItem) };
  });

  for (const action of ['open', 'close', 'publish'] as const) {
    api.post(
      `/api/v1/surveys/:code/${action}`,
      { config: STAFF, schema: { summary: `調査の${{ open: '回答受付開始', close: '受付終了', publish: '結果公表' }[action]} / ${action}`, tags: TAGS, security: bearer, params: CodeParam, body: EmptySchema } },
      async (request) => surveyItem(await service.changeState(deps, request.tenant, requireUser(request.auth), request.params.code, action)),
    );
  }

  api.post(
    '/api/v1/surveys/:code/invitations',
    {
      config: STAFF,
      schema: { summary: '回答用コードの発行（職員、一度だけ返す） / Issue invitation codes (shown once)', tags: TAGS, security: bearer, params: CodeParam, body: InvitationsSchema },
    },
    async (request, reply) => {
      const codes = await service.createInvitations(deps, request.tenant, requireUser(request.auth), request.params.code, request.body.count);
      if ((request.headers.accept ?? '').includes('text/csv')) {
        reply.header('content-disposition', `attachment; filename="${request.params.code}-invitations.csv"`);
        return reply.code(201).type(CSV_TYPE).send(`\uFEFF${stringify([['回答用コード'], ...codes.map((c) => [c])])}`);
      }
      return reply.code(201).send({ codes });
    },
  );

  api.post(
    '/api/v1/surveys/:code/responses',
    { config: PUBLIC, ...validatedByService, schema: { summary: '回答（回答用コード、ログイン不要） / Answer with an invitation code (no sign-in)', tags: TAGS, params: CodeParam } },
    async (request, reply) =>
      reply.code(201).send(await service.submitResponse(deps, request.tenant, { user: viewerOf(request), ip: request.ip }, request.params.code, request.body, request.lang)),
  );

  api.get('/api/v1/surveys/:code/results', { config: PUBLIC, schema: { summary: '調査結果（公表後は公開） / Results (public once published)', tags: TAGS, params: CodeParam } }, async (request, reply) =>
    publicRead(request, reply, JSON_TYPE, async () => JSON.stringify(resultsItem(await service.surveyResults(db, request.tenant.id, viewerOf(request), request.params.code)))),
  );

  api.put(
    '/api/v1/surveys/:code/strata',
    { config: STAFF, ...validatedByService, schema: { summary: '性別×年代の母集団人数（重み付け用） / Population per sex × age group (weighting)', tags: TAGS, security: bearer, params: CodeParam } },
    async (request) => service.setStrata(deps, request.tenant, requireUser(request.auth), request.params.code, request.body, request.lang),
  );

  api.get(
    '/api/v1/surveys/:code/tallies/verify',
    { config: STAFF, schema: { summary: '集計と全件再集計の照合 / Running tallies against a full recount', tags: TAGS, security: bearer, params: CodeParam } },
    async (request) => service.verifyTallies(db, request.tenant.id, request.params.code),
  );

  // The firm's CSV as the body (text/csv in UTF-8 or Shift_JIS), in its own context so the
  // parser is the module's own.
  app.register(async (scoped) => {
    scoped.addContentTypeParser(['text/csv', 'application/csv', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    scoped.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/surveys/:code/import',
      {
        config: STAFF,
        bodyLimit: 20 * 1024 * 1024,
        schema: { summary: '調査会社のCSVの取込み（?dryRun=true で確認のみ） / Import a survey firm’s CSV (dry run with ?dryRun=true)', tags: TAGS, security: bearer, params: CodeParam, querystring: ImportQuery },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body)) throw new AppError('unsupported_media_type');
        const dryRun = request.query.dryRun === 'true';
        const report = await importAnswers(deps, request.tenant, requireUser(request.auth), request.params.code, request.body, dryRun, request.lang);
        if (!dryRun && report.problems.length) return reply.code(422).send({ ...report, imported: 0 });
        return reply.code(dryRun ? 200 : 201).send(report);
      },
    );
  });

  // ---------------------------------------------------------------- open data (published only)

  const published = async (request: FastifyRequest, code: string) => {
    const { survey, questions } = await service.getSurvey(db, request.tenant.id, null, code);
    if (survey.state !== 'published') throw new AppError('not_found');
    return { survey, questions };
  };

  api.get('/opendata/surveys/:code/answers.csv', { config: PUBLIC, schema: { summary: 'オープンデータ：匿名の回答（CSV, UTF-8 BOM） / Anonymous answers (CSV)', tags: ['opendata'], params: CodeParam } }, async (request, reply) => {
    const { survey, questions } = await published(request, request.params.code);
    reply.header('content-disposition', `attachment; filename="${survey.code}-answers.csv"`);
    return reply.type(CSV_TYPE).send(answersCsv(db, request.tenant.id, survey, questions));
  });

  api.get('/opendata/surveys/:code/answers.json', { config: PUBLIC, schema: { summary: 'オープンデータ：匿名の回答（JSON） / Anonymous answers (JSON)', tags: ['opendata'], params: CodeParam } }, async (request, reply) => {
    const { survey, questions } = await published(request, request.params.code);
    // Streamed, so not through core's public reads: the licence is written in here.
    const licence = request.openDataLicence ? await request.openDataLicence() : null;
    return reply.type(JSON_TYPE).send(answersJson(db, request.tenant.id, survey, questions, licence));
  });

  api.get('/opendata/surveys/:code/results.csv', { config: PUBLIC, schema: { summary: 'オープンデータ：集計結果（CSV, UTF-8 BOM） / Results (CSV)', tags: ['opendata'], params: CodeParam } }, async (request, reply) => {
    reply.header('content-disposition', `attachment; filename="${request.params.code}-results.csv"`);
    return sendPublicRead(db, request, reply, { scopes: [service.SURVEYS_SCOPE], type: CSV_TYPE, produce: async () => resultsCsv(await service.surveyResults(db, request.tenant.id, null, request.params.code)) });
  });

  api.get('/opendata/surveys/:code/results.json', { config: PUBLIC, schema: { summary: 'オープンデータ：集計結果（JSON） / Results (JSON)', tags: ['opendata'], params: CodeParam } }, async (request, reply) =>
    sendPublicRead(db, request, reply, { scopes: [service.SURVEYS_SCOPE], type: JSON_TYPE, produce: async () => JSON.stringify(resultsItem(await service.surveyResults(db, request.tenant.id, null, request.params.code))) }),
  );

  surveyPageRoutes(app, deps);
}
