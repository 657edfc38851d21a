/**
 * The groups JSON API (DESIGN.md "groups") and its open data. Routes validate, authorise, call
 * one service function and serialise; the finer rules are the service's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { access } from '../../core/access.ts';
import { requireUser } from '../../core/auth.ts';
import { todayJst } from '../../core/dates.ts';
import { CSV_TYPE, JSON_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { AppDeps } from '../module.ts';
import { importRegistry } from './groups.import.ts';
import { groupsCsv, groupsJson } from './groups.opendata.ts';
import { groupPageRoutes } from './groups.pages.ts';
import {
  ApplicationSchema,
  ApproveSchema,
  fullItem,
  IdParam,
  ListQuerySchema,
  NoteSchema,
  NumberParam,
  PublicListSchema,
  RefuseSchema,
  RejectChangeSchema,
  ReturnSchema,
  StaffQuerySchema,
  staffItem,
} from './groups.schema.ts';
import * as service from './groups.service.ts';
import { z } from 'zod';

const TAGS = ['groups'];
const bearer = [{ bearer: [] }];
const CITIZEN = { access: access.roles('citizen') };
const STAFF = { access: access.staff };
const PUBLIC = { access: access.public };

/** Bodies the service validates itself (every bad field reported at once, in the reader's language). */
const validatedByService = { validatorCompiler: () => (data: unknown) => ({ value: data }) };

export function groupsRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const today = () => todayJst(deps.clock.now());
  const publicRead = (request: FastifyRequest, reply: FastifyReply, type: string, produce: () => Promise<string>) =>
    sendPublicRead(db, request, reply, { scopes: [service.GROUPS_SCOPE], type, today: today(), produce });

  // ---------------------------------------------------------------- applying (citizen)

  api.post(
    '/api/v1/groups/applications',
    {
      config: CITIZEN,
      ...validatedByService,
      schema: { summary: '団体登録の申請（市民） / Apply for a group registration (citizen)', tags: TAGS, security: bearer, body: ApplicationSchema },
    },
    async (request, reply) => reply.code(201).send(await service.applyForRegistration(deps, request.tenant, requireUser(request.auth), request.body, request.lang)),
  );

  api.get(
    '/api/v1/my/groups',
    { config: CITIZEN, schema: { summary: 'わたしの団体 / My groups', tags: TAGS, security: bearer } },
    async (request) => {
      const rows = await service.myRegistrations(deps, request.tenant.id, requireUser(request.auth));
      return { total: rows.length, items: rows.map((r) => fullItem(r.registration, r.privateContact)) };
    },
  );

  api.get(
    '/api/v1/my/groups/:id',
    { config: CITIZEN, schema: { summary: 'わたしの団体（履歴つき） / My group with its history', tags: TAGS, security: bearer, params: IdParam } },
    async (request) => {
      const r = await service.myRegistration(deps, request.tenant.id, requireUser(request.auth), request.params.id);
      return fullItem(r.registration, r.privateContact, r.events);
    },
  );

  api.post(
    '/api/v1/my/groups/:id/resubmit',
    { config: CITIZEN, ...validatedByService, schema: { summary: '差し戻された申請の再提出 / Resubmit a returned application', tags: TAGS, security: bearer, params: IdParam, body: ApplicationSchema } },
    async (request) => service.resubmitApplication(deps, request.tenant, requireUser(request.auth), request.params.id, request.body, request.lang),
  );

  api.post(
    '/api/v1/my/groups/:id/changes',
    { config: CITIZEN, ...validatedByService, schema: { summary: '登録内容の変更の届出 / Ask for a profile change', tags: TAGS, security: bearer, params: IdParam, body: ApplicationSchema } },
    async (request, reply) => reply.code(202).send(await service.requestChange(deps, request.tenant, requireUser(request.auth), request.params.id, request.body, request.lang)),
  );

  api.post(
    '/api/v1/my/groups/:id/renewal',
    { config: CITIZEN, schema: { summary: '更新の申出 / Ask to renew', tags: TAGS, security: bearer, params: IdParam } },
    async (request) => service.requestRenewal(deps, request.tenant, requireUser(request.auth), request.params.id),
  );

  api.post(
    '/api/v1/my/groups/:id/deregister',
    { config: CITIZEN, schema: { summary: '登録の抹消（団体から） / Deregister (by the group)', tags: TAGS, security: bearer, params: IdParam } },
    async (request) => service.deregisterByApplicant(deps, request.tenant, requireUser(request.auth), request.params.id),
  );

  // ---------------------------------------------------------------- public reads

  api.get(
    '/api/v1/groups',
    {
      config: PUBLIC,
      schema: {
        summary: '登録団体の一覧・検索（公開項目のみ） / Registered groups (public fields only)',
        tags: TAGS,
        querystring: ListQuerySchema,
        response: { 200: PublicListSchema },
      },
    },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () => JSON.stringify(await service.listPublicGroups(db, request.tenant.id, request.query, today()))),
  );

  api.get(
    '/api/v1/groups/:number',
    { config: PUBLIC, schema: { summary: '登録団体（公開項目） / A registered group (public fields)', tags: TAGS, params: NumberParam } },
    async (request, reply) =>
      publicRead(request, reply, JSON_TYPE, async () => JSON.stringify(await service.publicGroup(db, request.tenant.id, request.params.number, today()))),
  );

  api.get('/opendata/groups.csv', { config: PUBLIC, schema: { summary: '登録団体（CSV, BOM付き） / Registered groups (CSV)', tags: TAGS } }, async (request, reply) =>
    publicRead(request, reply, CSV_TYPE, async () => groupsCsv(db, request.tenant.id, today())),
  );

  api.get('/opendata/groups.json', { config: PUBLIC, schema: { summary: '登録団体（JSON） / Registered groups (JSON)', tags: TAGS } }, async (request, reply) =>
    publicRead(request, reply, JSON_TYPE, async () => groupsJson(db, request.tenant.id, today())),
  );

  // ---------------------------------------------------------------- staff

  api.get(
    '/api/v1/staff/groups',
    { config: STAFF, schema: { summary: '団体登録の一覧（職員） / Registrations (staff)', tags: TAGS, security: bearer, querystring: StaffQuerySchema } },
    async (request) => {
      const { total, items } = await service.staffList(deps, request.tenant.id, requireUser(request.auth), request.query);
      return { total, items: items.map(staffItem) };
    },
  );

  api.get(
    '/api/v1/staff/groups/:id',
    { config: STAFF, schema: { summary: '団体登録の記録（職員） / A registration’s record (staff)', tags: TAGS, security: bearer, params: IdParam } },
    async (request) => {
      const r = await service.staffRecord(deps, request.tenant.id, requireUser(request.auth), request.params.id);
      return { ...fullItem(r.registration, r.privateContact, r.events), terms: r.terms, documents: r.documents };
    },
  );

  const action = (path: string, summary: string, body: z.ZodType | undefined, run: (request: FastifyRequest<{ Params: { id: string } }>) => Promise<unknown>) =>
    api.post(
      `/api/v1/groups/:id/${path}`,
      { config: STAFF, ...validatedByService, schema: { summary, tags: TAGS, security: bearer, params: IdParam, ...(body ? { body } : {}) } },
      async (request) => run(request as FastifyRequest<{ Params: { id: string } }>),
    );
  const who = (request: FastifyRequest) => requireUser(request.auth);
  action('approve', '承認（登録番号と登録期間） / Approve', ApproveSchema, (r) => service.approveRegistration(deps, r.tenant, who(r), r.params.id, r.body, r.lang));
  action('return', '差し戻し / Return for correction', ReturnSchema, (r) => service.returnApplication(deps, r.tenant, who(r), r.params.id, r.body, r.lang));
  action('refuse', '登録不可 / Refuse', RefuseSchema, (r) => service.refuseApplication(deps, r.tenant, who(r), r.params.id, r.body, r.lang));
  action('renew', '更新 / Renew', NoteSchema, (r) => service.renewRegistration(deps, r.tenant, who(r), r.params.id, r.body, r.lang));
  action('deregister', '登録抹消 / Deregister', NoteSchema, (r) => service.deregisterByStaff(deps, r.tenant, who(r), r.params.id, r.body, r.lang));
  action('approve-change', '登録内容の変更の承認 / Approve a profile change', undefined, (r) => service.approveChange(deps, r.tenant, who(r), r.params.id));
  action('reject-change', '登録内容の変更を認めない / Reject a profile change', RejectChangeSchema, (r) => service.rejectChange(deps, r.tenant, who(r), r.params.id, r.body, r.lang));

  // The registry as the body (text/csv in UTF-8 or Shift_JIS), parsed as bytes in this route's own context.
  void app.register(async (csvApp) => {
    csvApp.addContentTypeParser(['text/csv', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    csvApp.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/groups/import',
      {
        config: STAFF,
        bodyLimit: 10 * 1024 * 1024,
        schema: {
          summary: '既存の団体登録簿の取込（CSV; dryRun=true で確認のみ） / Import an existing registry (CSV; dryRun=true only checks)',
          tags: TAGS,
          security: bearer,
          querystring: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
        },
      },
      async (request) => {
        const body = request.body;
        const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
        return importRegistry(deps, request.tenant, requireUser(request.auth), bytes, { dryRun: request.query.dryRun === 'true', lang: request.lang });
      },
    );
  });

  groupPageRoutes(app, deps);
}
