/** The plan's JSON API and open data. Routes validate, authorise, call one service function. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireRole, requireUser } from '../../core/auth.ts';
import type { AppDeps } from '../module.ts';
import { CSV_TYPE, JSON_TYPE, sendPlanRead } from './plan.public-read.ts';
import * as plans from './plan.service.ts';
import { indicatorsCsv } from './plan.opendata.ts';
import { planPageRoutes } from './plan.pages.ts';
import { planEvaluationRoutes } from './plan.evaluation.pages.ts';
import { acceptPlanYaml } from './plan.yaml.ts';
import { IndicatorListSchema, RecordActualSchema, RejectActualSchema } from './plan.schema.ts';

const CodeParam = z.object({ code: z.string().max(64) });
const PlanCodeParam = z.object({ planCode: z.string().max(64) });
const ActualParam = z.object({ code: z.string().max(64), id: z.uuid() });
const bearer = [{ bearer: [] }];

function actorOf(request: FastifyRequest) {
  const user = requireUser(request.auth);
  return { user, actor: { id: user.id, label: user.email } };
}

const PUBLIC = { access: access.public };

export function planRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const read = (request: FastifyRequest, reply: Parameters<typeof sendPlanRead>[3], type: string, produce: () => Promise<string>, planCode?: string) =>
    sendPlanRead(db, deps, request, reply, type, produce, planCode);
  const evaluated = async (request: FastifyRequest, planCode?: string) => (await plans.evaluatePlanCached(db, deps, request.tenant.id, planCode, request)).plan;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/plan', { config: PUBLIC, schema: { summary: '現行計画の全体（体系・指標・評価） / The current plan, evaluated', tags: ['plan'] } }, async (request, reply) =>
    read(request, reply, JSON_TYPE, async () => JSON.stringify(planTree(await evaluated(request)))),
  );

  api.get('/api/v1/plans', { config: PUBLIC, schema: { summary: '計画の一覧 / Plans', tags: ['plan'] } }, async (request) => ({
    items: await plans.listPlanSummaries(db, request.tenant.id),
  }));

  // The import route in a scope of its own: only it reads YAML (no other route parses it).
  app.register(async (scope) => {
    acceptPlanYaml(scope);
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/plans',
      {
        // A plan document is a large body: its own limits (still linear to check).
        config: { access: access.planManagers, bodyShape: { maxKeys: 50_000, maxValues: 200_000, maxDepth: 16 } },
        schema: { summary: '計画文書の取り込み（JSON/YAML） / Import a plan document', tags: ['plan'], security: bearer, body: z.unknown() },
      },
      async (request, reply) => {
        const { user, actor } = actorOf(request);
        requireRole(request.auth, ['plan_manager', 'admin']);
        const result = await plans.importPlan(db, deps, request.tenant, actor, request.body, request.lang, { user });
        return reply.code(201).header('location', `/api/v1/plans/${result.code}`).send({ code: result.code });
      },
    );
  });

  api.get('/api/v1/plans/:planCode', { config: PUBLIC, schema: { summary: '計画の全体 / A plan, evaluated', tags: ['plan'], params: PlanCodeParam } }, async (request, reply) =>
    read(request, reply, JSON_TYPE, async () => JSON.stringify(planTree(await evaluated(request, request.params.planCode))), request.params.planCode),
  );

  api.get(
    '/api/v1/plans/:planCode/export',
    { config: PUBLIC, schema: { summary: '計画文書の書き出し / Export the plan document', tags: ['plan'], params: PlanCodeParam } },
    async (request) => plans.exportPlan(db, request.tenant.id, request.params.planCode),
  );

  api.get(
    '/api/v1/indicators',
    { config: PUBLIC, schema: { summary: '現行計画の成果指標 / Indicators of the current plan', tags: ['indicators'], response: { 200: IndicatorListSchema } } },
    async (request, reply) => read(request, reply, JSON_TYPE, async () => JSON.stringify(indicatorList(await evaluated(request)))),
  );

  api.get(
    '/api/v1/plans/:planCode/indicators',
    { config: PUBLIC, schema: { summary: '計画の成果指標 / Indicators of a plan', tags: ['indicators'], params: PlanCodeParam, response: { 200: IndicatorListSchema } } },
    async (request, reply) =>
      read(request, reply, JSON_TYPE, async () => JSON.stringify(indicatorList(await evaluated(request, request.params.planCode))), request.params.planCode),
  );

  api.get(
    '/api/v1/indicators/:code',
    { config: PUBLIC, schema: { summary: '成果指標と実績の履歴 / An indicator with its history', tags: ['indicators'], params: CodeParam } },
    async (request) => {
      const { indicator } = await plans.getIndicator(db, deps, request.tenant.id, request.params.code);
      const staff = request.auth.user !== null && request.auth.user.role !== 'citizen' && request.auth.mfaPassed;
      return {
        ...plans.indicatorItem(indicator),
        nameNote: indicator.nameNote,
        nameNoteEn: indicator.en.nameNote,
        description: indicator.description,
        descriptionEn: indicator.en.description,
        history: indicator.actuals.map((a) => ({ value: a.value, asOf: a.asOf, note: a.note, origin: a.origin, demo: a.isDemo })),
        revisions: await plans.indicatorRevisions(db, request.tenant.id, indicator.id, staff, staff ? request.auth.user : null, indicator.departmentCode),
      };
    },
  );

  api.post(
    '/api/v1/indicators/:code/actuals',
    {
      config: { access: access.staff },
      schema: { summary: '実績値の入力（担当課） / Enter an actual (staff)', tags: ['indicators'], security: bearer, params: CodeParam, body: RecordActualSchema },
    },
    async (request, reply) => {
      const user = requireRole(request.auth, ['staff', 'plan_manager', 'admin']);
      return reply.code(201).send(await plans.recordActual(db, request.tenant, user, request.params.code, request.body, { today: plans.todayOf(deps), via: 'api' }));
    },
  );

  const decide = async (request: FastifyRequest, params: { code: string; id: string }, decision: 'approved' | 'rejected', reason: string | null) => {
    const user = requireRole(request.auth, ['plan_manager', 'admin']);
    const result = await plans.decideActual(db, request.tenant, user, params.code, params.id, decision, reason, deps.config.publicUrl);
    if (result.mailed) deps.mail.poke();
    return result;
  };

  api.post(
    '/api/v1/indicators/:code/actuals/:id/approve',
    {
      config: { access: access.planManagers },
      schema: {
        summary: '実績値の承認（政策推進課、入力者以外） / Approve an actual (not its author)',
        tags: ['indicators'],
        security: bearer,
        params: ActualParam,
      },
    },
    async (request) => decide(request, request.params, 'approved', null),
  );

  api.post(
    '/api/v1/indicators/:code/actuals/:id/reject',
    {
      config: { access: access.planManagers },
      schema: {
        summary: '実績値の差し戻し（理由が必要、入力者に通知） / Reject an actual with a reason (its author is told)',
        tags: ['indicators'],
        security: bearer,
        params: ActualParam,
        body: RejectActualSchema,
      },
    },
    async (request) => decide(request, request.params, 'rejected', request.body.reason),
  );

  app.get('/opendata/indicators.json', { config: PUBLIC, schema: { summary: 'オープンデータ：成果指標（JSON） / Open data: indicators (JSON)', tags: ['opendata'] } }, async (request, reply) => {
    reply.header('content-disposition', 'inline; filename="indicators.json"');
    return read(request, reply, JSON_TYPE, async () => JSON.stringify(indicatorList(await evaluated(request))));
  });

  app.get('/opendata/indicators.csv', { config: PUBLIC, schema: { summary: 'オープンデータ：成果指標（CSV, UTF-8 BOM） / Open data: indicators (CSV)', tags: ['opendata'] } }, async (request, reply) => {
    reply.header('content-disposition', 'attachment; filename="indicators.csv"');
    return read(request, reply, CSV_TYPE, async () => indicatorsCsv(await evaluated(request)));
  });

  planPageRoutes(app, deps);
  planEvaluationRoutes(app, deps);
}

function indicatorList(plan: plans.EvaluatedPlan) {
  return { plan: { code: plan.code, title: plan.title, titleEn: plan.en.title }, items: plan.indicators.map(plans.indicatorItem) };
}

function planTree(plan: plans.EvaluatedPlan) {
  return {
    code: plan.code,
    title: plan.title,
    current: plan.current,
    period: plan.period,
    average: plan.average,
    grades: plan.grades,
    chapters: plan.chapters.map((c) => ({
      code: c.code,
      title: c.title,
      average: c.average,
      sections: c.sections.map((s) => ({
        code: s.code,
        title: s.title,
        visions: s.visions,
        issues: s.issues,
        directions: s.directions,
        glossary: s.glossary,
        measures: s.measures,
        perceptionQuestion: s.perceptionQuestion,
        average: s.average,
        grades: s.grades,
        indicators: s.indicators.map(plans.indicatorItem),
      })),
    })),
  };
}
