/**
 * The proposals JSON API (DESIGN.md "proposals") and its open data. Routes validate, authorise,
 * call one service function and serialise; the finer rules are the service's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser } from '../../core/auth.ts';
import { todayJst } from '../../core/dates.ts';
import { CSV_TYPE, JSON_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { AppDeps } from '../module.ts';
import * as actions from './proposals.actions.ts';
import { departmentNames } from './proposals.case.ts';
import { proposalsCsv, statisticsCsv, statisticsItems } from './proposals.opendata.ts';
import { proposalPageRoutes } from './proposals.pages.ts';
import type { Proposal } from './proposals.repository.ts';
import {
  AnswerSchema,
  AssignSchema,
  DeclineSchema,
  DraftSchema,
  EmptySchema,
  ExtendSchema,
  HideSchema,
  IdParam,
  ImplementSchema,
  InboxQuerySchema,
  IntakeSchema,
  ListQuerySchema,
  ModerateSchema,
  NumberParam,
  ownItem,
  PublicListSchema,
  PublicProposalSchema,
  ReportSchema,
  ReturnAnswerSchema,
  StatisticsQuerySchema,
  staffItem,
  SubmitSchema,
} from './proposals.schema.ts';
import * as service from './proposals.service.ts';
import { isOverdue, visibleStatus } from './proposals.workflow.ts';

const TAGS = ['proposals'];
const bearer = [{ bearer: [] }];
const CITIZEN = { access: access.roles('citizen') };
const STAFF = { access: access.staff };
const MANAGERS = { access: access.planManagers };
const PUBLIC = { access: access.public };

/**
 * Bodies the service validates itself (so an unknown plan section is reported together with
 * every other bad field): the schema documents the body, nothing rejects it before the service.
 */
const validatedByService = { validatorCompiler: () => (data: unknown) => ({ value: data }) };

/** A compact answer to an action: where the proposal stands now. */
function actionResult(p: Proposal) {
  return {
    number: p.number,
    status: p.status,
    visibleStatus: visibleStatus(p),
    department: p.departmentCode,
    answerState: p.answerState,
    answerDueOn: p.answerDueOn,
    implementedOn: p.implementedOn,
    moderation: p.moderation,
    hidden: p.hiddenAt !== null,
  };
}

export function proposalsRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const who = (request: FastifyRequest) => ({ user: requireUser(request.auth), ip: request.ip });
  const today = () => todayJst(deps.clock.now());
  const publicRead = (request: FastifyRequest, reply: FastifyReply, type: string, produce: () => Promise<string>) =>
    sendPublicRead(db, request, reply, { scopes: [service.PROPOSALS_SCOPE], type, produce });

  // ---------------------------------------------------------------- submitting

  api.post(
    '/api/v1/proposals',
    {
      config: CITIZEN,
      ...validatedByService,
      schema: { summary: '提案の提出（市民） / Submit a proposal (citizen)', tags: TAGS, security: bearer, body: SubmitSchema },
    },
    async (request, reply) => {
      const result = await service.submitProposal(deps, request.tenant, who(request), request.body, request.lang);
      return reply.code(201).send(result);
    },
  );

  api.post(
    '/api/v1/proposals/intake',
    {
      config: STAFF,
      ...validatedByService,
      schema: { summary: '手紙・窓口の提案の入力（職員） / Key in a letter or counter proposal (staff)', tags: TAGS, security: bearer, body: IntakeSchema },
    },
    async (request, reply) => reply.code(201).send(await service.keyInProposal(deps, request.tenant, requireUser(request.auth), request.body, request.lang)),
  );

  api.put(
    '/api/v1/my/drafts/:id',
    { config: CITIZEN, ...validatedByService, schema: { summary: '下書きの更新 / Update a draft', tags: TAGS, security: bearer, params: IdParam, body: DraftSchema } },
    async (request) => service.updateDraft(deps, request.tenant, who(request), request.params.id, request.body, request.lang),
  );

  api.post(
    '/api/v1/my/drafts/:id/submit',
    { config: CITIZEN, schema: { summary: '下書きの提出 / Submit a draft', tags: TAGS, security: bearer, params: IdParam, body: EmptySchema } },
    async (request, reply) => reply.code(201).send(await service.submitDraft(deps, request.tenant, who(request), request.params.id, request.lang)),
  );

  api.delete(
    '/api/v1/my/drafts/:id',
    { config: CITIZEN, schema: { summary: '下書きの削除 / Delete a draft', tags: TAGS, security: bearer, params: IdParam } },
    async (request, reply) => {
      await service.deleteDraft(deps, request.tenant, requireUser(request.auth), request.params.id);
      return reply.code(204).send();
    },
  );

  // ---------------------------------------------------------------- public reads

  api.get(
    '/api/v1/proposals',
    {
      config: PUBLIC,
      schema: {
        summary: '公開中の提案の一覧・検索 / Published proposals (list and search)',
        tags: TAGS,
        querystring: ListQuerySchema,
        response: { 200: PublicListSchema },
      },
    },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () => JSON.stringify(await service.listPublicProposals(db, request.tenant.id, request.query))),
  );

  api.get(
    '/api/v1/proposals/statistics',
    { config: PUBLIC, schema: { summary: '年度別の件数 / Figures per fiscal year', tags: TAGS, querystring: StatisticsQuerySchema } },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () =>
        JSON.stringify({ items: statisticsItems(await service.proposalStatistics(db, request.tenant.id), request.query.fiscalYear) }),
      ),
  );

  api.get(
    '/api/v1/proposals/:number',
    { config: PUBLIC, schema: { summary: '公開中の提案 / A published proposal', tags: TAGS, params: NumberParam, response: { 200: PublicProposalSchema } } },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () => JSON.stringify((await service.getPublicProposal(db, request.tenant.id, request.params.number)).item)),
  );

  // ---------------------------------------------------------------- the proposer's own

  api.get('/api/v1/my/proposals', { config: CITIZEN, schema: { summary: '自分の提案 / My proposals', tags: TAGS, security: bearer } }, async (request) => {
    const user = requireUser(request.auth);
    const names = await departmentNames(db, request.tenant.id);
    const items = (await service.listOwnProposals(db, request.tenant, user)).map((p) => ownItem(p, names));
    return { total: items.length, items };
  });

  api.get(
    '/api/v1/my/proposals/:number',
    { config: CITIZEN, schema: { summary: '自分の提案と経過 / One of my proposals with its history', tags: TAGS, security: bearer, params: NumberParam } },
    async (request) => {
      const { proposal, events, attachments } = await service.ownProposal(db, request.tenant, requireUser(request.auth), request.params.number);
      return { ...ownItem(proposal, await departmentNames(db, request.tenant.id), events), attachments: attachments.map((a) => ({ filename: a.filename, mediaType: a.mediaType, byteSize: a.byteSize })) };
    },
  );

  // ---------------------------------------------------------------- staff reads

  api.get(
    '/api/v1/staff/proposals',
    { config: STAFF, schema: { summary: '職員の受付箱（担当課・割り振り待ち・期限超過） / The staff inbox', tags: TAGS, security: bearer, querystring: InboxQuerySchema } },
    async (request) => {
      const { view, total, items } = await service.staffInbox(db, request.tenant, requireUser(request.auth), request.query, today());
      const names = await departmentNames(db, request.tenant.id);
      return { view, total, items: items.map((p) => staffItem(p, names, { overdue: isOverdue(p, today()), openReports: 0 })) };
    },
  );

  api.get(
    '/api/v1/staff/proposals/:number',
    { config: STAFF, schema: { summary: '提案の詳細（職員） / A proposal with its contact and history (staff)', tags: TAGS, security: bearer, params: NumberParam } },
    async (request) => {
      const c = await service.staffCase(deps, db, request.tenant, requireUser(request.auth), request.params.number, today());
      return staffItem(c.proposal, await departmentNames(db, request.tenant.id), { contact: c.contact, events: c.events, overdue: c.overdue, openReports: c.reports.length });
    },
  );

  // ---------------------------------------------------------------- actions

  const action = <S extends z.ZodType>(
    name: string,
    summary: string,
    config: { access: typeof access.public },
    body: S,
    run: (request: FastifyRequest<{ Params: { number: string } }>, input: z.output<S>) => Promise<unknown>,
  ) =>
    api.post(
      `/api/v1/proposals/:number/${name}`,
      { config, schema: { summary, tags: TAGS, security: bearer, params: NumberParam, body } },
      async (request) => run(request as FastifyRequest<{ Params: { number: string } }>, request.body as z.output<S>),
    );
  const staffUser = (request: FastifyRequest) => requireUser(request.auth);

  action('assign', '担当課の決定・移管（政策推進課） / Assign or transfer', MANAGERS, AssignSchema, async (r, input) =>
    actionResult(await actions.assignProposal(deps, r.tenant, staffUser(r), r.params.number, input, r.lang)),
  );
  action('answer', '回答の作成・提出（担当課） / Answer (the assigned department)', STAFF, AnswerSchema, async (r, input) =>
    actionResult(await actions.answerProposal(deps, r.tenant, staffUser(r), r.params.number, input)),
  );
  action('approve-answer', '回答の承認・公開（政策推進課） / Approve and publish the answer', MANAGERS, EmptySchema, async (r) =>
    actionResult(await actions.approveAnswer(deps, r.tenant, staffUser(r), r.params.number)),
  );
  action('return-answer', '回答の差し戻し（政策推進課） / Return the answer', MANAGERS, ReturnAnswerSchema, async (r, input) =>
    actionResult(await actions.returnAnswer(deps, r.tenant, staffUser(r), r.params.number, input)),
  );
  action('implement', '実施の記録（担当課） / Record the implementation', STAFF, ImplementSchema, async (r, input) =>
    actionResult(await actions.implementProposal(deps, r.tenant, staffUser(r), r.params.number, input, r.lang)),
  );
  action('decline', '受付不可（政策推進課） / Decline at intake', MANAGERS, DeclineSchema, async (r, input) =>
    actionResult(await actions.declineProposal(deps, r.tenant, staffUser(r), r.params.number, input)),
  );
  action('withdraw', '取下げ（提案者） / Withdraw (the proposer)', CITIZEN, EmptySchema, async (r) =>
    actionResult(await actions.withdrawProposal(deps, r.tenant, staffUser(r), r.params.number)),
  );
  action('moderate', '公開の審査（政策推進課） / Moderate for publication', MANAGERS, ModerateSchema, async (r, input) =>
    actionResult(await actions.moderateProposal(deps, r.tenant, staffUser(r), r.params.number, input)),
  );
  action('extend', '回答期限の延長 / Extend the due date', STAFF, ExtendSchema, async (r, input) =>
    actionResult(await actions.extendDueDate(deps, r.tenant, staffUser(r), r.params.number, input, r.lang)),
  );
  action('hide', '非表示 / Hide a public proposal', STAFF, HideSchema, async (r, input) =>
    actionResult(await actions.hideProposal(deps, r.tenant, staffUser(r), r.params.number, input)),
  );
  action('unhide', '非表示の解除 / Show it again', STAFF, EmptySchema, async (r) =>
    actionResult(await actions.unhideProposal(deps, r.tenant, staffUser(r), r.params.number)),
  );
  action('dismiss-reports', '通報を閉じる / Close the reports', STAFF, EmptySchema, async (r) =>
    actions.dismissReports(deps, r.tenant, staffUser(r), r.params.number),
  );

  api.post(
    '/api/v1/proposals/:number/supports',
    { config: CITIZEN, schema: { summary: '賛同（市民、1アカウント1回） / Support (citizen, once)', tags: TAGS, security: bearer, params: NumberParam, body: EmptySchema } },
    async (request, reply) => reply.code(201).send(await actions.supportProposal(deps, request.tenant, who(request), request.params.number)),
  );

  api.post(
    '/api/v1/proposals/:number/reports',
    { config: { access: access.user }, schema: { summary: '通報 / Report a public proposal', tags: TAGS, security: bearer, params: NumberParam, body: ReportSchema } },
    async (request, reply) => reply.code(201).send(await actions.reportProposal(deps, request.tenant, who(request), request.params.number, request.body)),
  );

  // ---------------------------------------------------------------- open data

  app.get(
    '/opendata/proposals.json',
    { config: PUBLIC, schema: { summary: 'オープンデータ：公開中の提案と回答（JSON） / Open data: proposals (JSON)', tags: ['opendata'] } },
    async (request, reply) => {
      reply.header('content-disposition', 'inline; filename="proposals.json"');
      return publicRead(request, reply, JSON_TYPE, async () => JSON.stringify({ items: await service.openDataProposals(db, request.tenant.id) }));
    },
  );

  app.get(
    '/opendata/proposals.csv',
    { config: PUBLIC, schema: { summary: 'オープンデータ：公開中の提案と回答（CSV, UTF-8 BOM） / Open data: proposals (CSV)', tags: ['opendata'] } },
    async (request, reply) => {
      reply.header('content-disposition', 'attachment; filename="proposals.csv"');
      return publicRead(request, reply, CSV_TYPE, async () => proposalsCsv(await service.openDataProposals(db, request.tenant.id)));
    },
  );

  app.get(
    '/opendata/proposals-statistics.csv',
    { config: PUBLIC, schema: { summary: 'オープンデータ：年度別の件数（CSV, UTF-8 BOM） / Open data: figures per fiscal year (CSV)', tags: ['opendata'] } },
    async (request, reply) => {
      reply.header('content-disposition', 'attachment; filename="proposals-statistics.csv"');
      return publicRead(request, reply, CSV_TYPE, async () => statisticsCsv(await service.proposalStatistics(db, request.tenant.id)));
    },
  );

  proposalPageRoutes(app, deps);
}
