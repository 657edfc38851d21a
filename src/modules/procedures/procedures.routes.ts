/**
 * The procedures JSON API (DESIGN.md "procedures"). Routes validate, authorise, call one
 * service function and serialise; the finer rules (the department's own applications, the
 * applicant's password) are the service's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { stringify } from 'csv-stringify/sync';
import { access } from '../../core/access.ts';
import { MFA_ROLES, requireUser } from '../../core/auth.ts';
import { fiscalYearOf, todayJst } from '../../core/dates.ts';
import { AppError } from '../../core/errors.ts';
import type { AppDeps } from '../module.ts';
import { procedurePageRoutes } from './procedures.pages.ts';
import { procedureBuilderRoutes } from './procedures.builder.pages.ts';
import type { Application } from './procedures.repository.ts';
import {
  ApplySchema,
  AssignSchema,
  BundleSchema,
  CodeParam,
  CorrectionSchema,
  CounterParam,
  CounterSchema,
  CreateProcedureSchema,
  FormSchema,
  InboxQuerySchema,
  AttachmentParam,
  DraftParam,
  DraftSchema,
  InquiryAttachmentSchema,
  InquirySchema,
  ReceiptParam,
  StatisticsQuerySchema,
  StatusChangeSchema,
} from './procedures.schema.ts';
import * as service from './procedures.service.ts';
import * as drafts from './procedures.drafts.ts';
import { answerText } from './procedures.fields.ts';
import { downloadHeaders } from '../../core/files.ts';
import { translate } from '../../core/i18n.ts';
import { readUploadFormWithLists, uploadsOf } from '../../core/multipart.ts';
import { FILE_LIMITS } from './procedures.fields.ts';
import { admitUpload, formKeyOf, uploadFiles, type UploadTarget } from './procedures.uploads.ts';

const TAGS = ['procedures'];
const bearer = [{ bearer: [] }];
const STAFF = { access: access.staff };
const PUBLIC = { access: access.public };
const USER = { access: access.user };

/** An upload request: every file field's largest file, and a little for the part headers. */
const UPLOAD_BODY_LIMIT = FILE_LIMITS.perForm * FILE_LIMITS.maxBytes + 64 * 1024;

/** Bodies the service validates itself (every bad field reported at once, in the reader's language). */
const validatedByService = { validatorCompiler: () => (data: unknown) => ({ value: data }) };

/** What a list shows of an application: never its personal data. */
export function applicationItem(a: Application) {
  return {
    receiptNumber: a.receiptNumber,
    procedure: a.procedureCode,
    procedureTitle: a.procedureTitle,
    version: a.version,
    status: a.status,
    department: a.departmentCode,
    assignee: a.assigneeId,
    bundleReceipt: a.bundleReceipt,
    receivedAt: a.receivedAt.toISOString(),
    fiscalYear: a.fiscalYear,
    purged: a.purgedAt !== null,
    demo: a.isDemo,
  };
}

function procedureItem(p: service.ProcedureView | Awaited<ReturnType<typeof service.listProcedures>>[number]) {
  return {
    code: p.code,
    title: p.title,
    description: p.description,
    eligibility: p.eligibility,
    department: p.departmentCode,
    identity: p.identity,
    retentionYears: p.retentionYears,
    publishedVersion: p.publishedVersion,
    latestVersion: p.latestVersion,
    demo: p.isDemo,
    ...('fields' in p ? { version: p.version, fields: p.fields } : {}),
  };
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255) throw new AppError('validation', undefined, [{ path: 'Idempotency-Key', message: '1–255 characters' }]);
  return key;
}

export function proceduresRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  /** The applicant: the signed-in user when there is one (two-factor done), else anonymous. */
  const applicant = (request: FastifyRequest) => {
    const user = request.auth.user && (!MFA_ROLES.includes(request.auth.user.role) || request.auth.mfaPassed || request.auth.via === 'token') ? request.auth.user : null;
    return { user, ip: request.ip };
  };
  const thisYear = () => fiscalYearOf(todayJst(deps.clock.now()));

  // ---------------------------------------------------------------- catalogue

  api.post(
    '/api/v1/procedures',
    { config: STAFF, ...validatedByService, schema: { summary: '手続の作成（職員） / Create a procedure (staff)', tags: TAGS, security: bearer, body: CreateProcedureSchema } },
    async (request, reply) => reply.code(201).send(await service.createProcedure(deps, request.tenant, requireUser(request.auth), request.body, request.lang)),
  );

  api.get(
    '/api/v1/procedures',
    { config: PUBLIC, schema: { summary: '受付中の手続 / Procedures open for applications', tags: TAGS } },
    async (request) => {
      const items = (await service.listProcedures(deps, request.tenant.id)).map(procedureItem);
      return { total: items.length, items };
    },
  );

  api.get(
    '/api/v1/procedures/statistics',
    { config: PUBLIC, schema: { summary: '手続ごとの件数（総数・オンライン・割合） / Uses per procedure', tags: TAGS, querystring: StatisticsQuerySchema } },
    async (request) => {
      const fiscalYear = request.query.fiscalYear ?? thisYear();
      const items = await service.statistics(deps, request.tenant.id, fiscalYear);
      const online = items.reduce((s, i) => s + i.online, 0);
      const total = items.reduce((s, i) => s + i.total, 0);
      return { fiscalYear, total: items.length, items, summary: { online, counter: total - online, total, onlineShare: total ? online / total : null } };
    },
  );

  api.get(
    '/opendata/procedures-statistics.csv',
    { config: PUBLIC, schema: { summary: 'オープンデータ：手続ごとの件数（CSV, UTF-8 BOM） / Open data: uses per procedure', tags: ['opendata'], querystring: StatisticsQuerySchema } },
    async (request, reply) => {
      const fiscalYear = request.query.fiscalYear ?? thisYear();
      const items = await service.statistics(deps, request.tenant.id, fiscalYear);
      const csv = stringify(
        items.map((i) => [i.fiscalYear, i.code, i.title, i.total, i.online, i.counter, i.onlineShare === null ? '' : (i.onlineShare * 100).toFixed(2), i.demo ? 'true' : 'false']),
        { header: true, columns: ['年度', '手続コード', '手続名', '手続総件数', 'うちオンライン数', '窓口等', 'オンライン割合(%)', 'デモデータを含む'] },
      );
      reply.header('content-disposition', `attachment; filename="procedures-statistics-${fiscalYear}.csv"`);
      return reply.type('text/csv; charset=utf-8').send(`\ufeff${csv}`);
    },
  );

  api.get(
    '/api/v1/procedures/:code',
    { config: PUBLIC, schema: { summary: '手続と申請フォーム / A procedure and its form', tags: TAGS, params: CodeParam } },
    async (request) => procedureItem(await service.readProcedure(deps, request.tenant, request.auth.user, request.params.code)),
  );

  api.put(
    '/api/v1/procedures/:code/form',
    { config: STAFF, ...validatedByService, schema: { summary: 'フォームの変更（新しい版） / Change the form (a new version)', tags: TAGS, security: bearer, params: CodeParam, body: FormSchema } },
    async (request) => service.updateForm(deps, request.tenant, requireUser(request.auth), request.params.code, request.body, request.lang),
  );

  api.post(
    '/api/v1/procedures/:code/publish',
    { config: STAFF, schema: { summary: '版の公開 / Publish the draft version', tags: TAGS, security: bearer, params: CodeParam } },
    async (request) => service.publishProcedure(deps, request.tenant, requireUser(request.auth), request.params.code, request.lang),
  );

  api.put(
    '/api/v1/procedures/:code/counter-counts/:fiscalYear',
    { config: STAFF, ...validatedByService, schema: { summary: '窓口（紙）の件数の入力 / Counter (paper) uses', tags: TAGS, security: bearer, params: CounterParam, body: CounterSchema } },
    async (request) =>
      service.setCounterCount(deps, request.tenant, requireUser(request.auth), request.params.code, request.params.fiscalYear, request.body, request.lang),
  );

  // ---------------------------------------------------------------- applying

  /**
   * Files through the API: the body (multipart, one part per file field, an optional `formKey`
   * part to add to a form) is read only after the procedure is known open, the caller may apply
   * and the client is within its upload limit; bounded by the per-form file limits.
   */
  const readUploads = (target: (request: FastifyRequest<{ Params: { code: string } }>) => UploadTarget) => async (request: FastifyRequest<{ Params: { code: string } }>) => {
    await admitUpload(deps, request.tenant, applicant(request), target(request));
    if (!request.isMultipart()) throw new AppError('unsupported_media_type', { ja: translate('ja', 'procedures.upload.multipart'), en: translate('en', 'procedures.upload.multipart') });
    await readUploadFormWithLists(request);
  };
  const uploadRoute = (url: string, summary: string, target: (request: FastifyRequest<{ Params: { code: string } }>) => UploadTarget) =>
    api.post(
      url,
      { config: PUBLIC, ...validatedByService, bodyLimit: UPLOAD_BODY_LIMIT, preValidation: readUploads(target), schema: { summary, tags: TAGS, params: CodeParam, consumes: ['multipart/form-data'] } },
      async (request, reply) => {
        const body = request.body as Record<string, unknown> | undefined;
        const r = await uploadFiles(deps, request.tenant, applicant(request), target(request), { formKey: formKeyOf(body, request.lang), uploads: uploadsOf(request) }, request.lang);
        return reply.code(201).header('cache-control', 'no-store').send(r);
      },
    );
  uploadRoute('/api/v1/procedures/:code/uploads', '添付ファイルのアップロード（申請の formKey を返す） / Upload files for an application (answers the formKey to apply with)', (r) => ({ procedure: r.params.code }));

  api.post(
    '/api/v1/procedures/:code/applications',
    { config: PUBLIC, ...validatedByService, schema: { summary: '申請（Idempotency-Key 可） / Apply (Idempotency-Key supported)', tags: TAGS, params: CodeParam, body: ApplySchema } },
    async (request, reply) => {
      const r = await service.submitApplication(deps, request.tenant, applicant(request), request.params.code, request.body, request.lang, {
        idempotencyKey: idempotencyKey(request),
        formKey: formKeyOf(request.body, request.lang),
      });
      if (r.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(r);
    },
  );

  api.post(
    '/api/v1/inquiries',
    { config: PUBLIC, ...validatedByService, schema: { summary: '申請状況の照会 / Inquiry by receipt number and password', tags: TAGS, body: InquirySchema } },
    async (request) => service.inquire(deps, request.tenant, request.ip, request.body, request.lang),
  );

  api.post(
    '/api/v1/inquiries/withdraw',
    { config: PUBLIC, ...validatedByService, schema: { summary: '申請の取下げ / Withdraw an application', tags: TAGS, body: InquirySchema } },
    async (request) => service.withdrawApplication(deps, request.tenant, request.ip, request.body, request.lang),
  );

  api.post(
    '/api/v1/inquiries/correct',
    { config: PUBLIC, ...validatedByService, schema: { summary: '差し戻しの修正 / Correct a returned application', tags: TAGS, body: CorrectionSchema } },
    async (request) => service.correctApplication(deps, request.tenant, request.ip, request.body, request.lang),
  );

  api.get(
    '/api/v1/my/applications',
    { config: USER, schema: { summary: 'わたしの申請 / My applications', tags: TAGS, security: bearer } },
    async (request) => {
      const items = (await service.listOwnApplications(deps, request.tenant, requireUser(request.auth))).map(applicationItem);
      return { total: items.length, items };
    },
  );

  api.get(
    '/api/v1/my/applications/:receiptNumber',
    { config: USER, schema: { summary: 'わたしの申請（詳細） / One of my applications', tags: TAGS, security: bearer, params: ReceiptParam } },
    async (request) => service.readOwnApplication(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber),
  );

  api.get(
    '/api/v1/my/applications/:receiptNumber/attachments/:id',
    { config: USER, schema: { summary: 'わたしの申請の添付ファイル / An attachment of one of my applications', tags: TAGS, security: bearer, params: AttachmentParam } },
    async (request, reply) => {
      const file = await service.ownAttachment(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber, request.params.id);
      return reply.headers(downloadHeaders(file)).send(file.content);
    },
  );

  api.post(
    '/api/v1/procedures/:code/drafts',
    { config: USER, ...validatedByService, schema: { summary: '申請の一時保存 / Save a draft application', tags: TAGS, security: bearer, params: CodeParam, body: DraftSchema } },
    async (request, reply) => {
      const answers = (request.body as { answers?: unknown } | undefined)?.answers;
      // A form key an upload answered: the draft keeps that form's files as long as itself.
      const formKey = formKeyOf(request.body, request.lang);
      const d = await drafts.saveDraft(deps, request.tenant, requireUser(request.auth), request.params.code, { answers, formKey }, request.lang);
      return reply.code(201).send({ id: d.id, procedure: d.procedure.code, formKey: d.formKey, updatedAt: d.updatedAt, expiresAt: d.expiresAt });
    },
  );

  api.get(
    '/api/v1/my/procedure-drafts',
    { config: USER, schema: { summary: '一時保存した申請 / My saved drafts', tags: TAGS, security: bearer } },
    async (request) => {
      const items = (await drafts.listDrafts(deps, request.tenant, requireUser(request.auth))).map((d) => ({ id: d.id, procedure: d.procedure.code, procedureTitle: d.procedure.title, updatedAt: d.updatedAt, expiresAt: d.expiresAt }));
      return { total: items.length, items };
    },
  );

  api.get(
    '/api/v1/my/procedure-drafts/:id',
    { config: USER, schema: { summary: '一時保存した申請（回答） / A saved draft with its answers', tags: TAGS, security: bearer, params: DraftParam } },
    async (request) => {
      const d = await drafts.openDraft(deps, request.tenant, requireUser(request.auth), request.params.id);
      return { id: d.id, procedure: d.procedure.code, procedureTitle: d.procedure.title, formKey: d.formKey, updatedAt: d.updatedAt, expiresAt: d.expiresAt, answers: d.answers };
    },
  );

  api.delete(
    '/api/v1/my/procedure-drafts/:id',
    { config: USER, schema: { summary: '一時保存した申請の削除 / Delete a saved draft', tags: TAGS, security: bearer, params: DraftParam } },
    async (request, reply) => {
      await drafts.discardDraft(deps, request.tenant, requireUser(request.auth), request.params.id);
      return reply.code(204).send();
    },
  );

  api.post(
    '/api/v1/inquiries/attachment',
    { config: PUBLIC, ...validatedByService, schema: { summary: '添付ファイルの取得（受付番号とパスワード） / An attachment, by receipt number and password', tags: TAGS, body: InquiryAttachmentSchema } },
    async (request, reply) => {
      const id = typeof (request.body as { attachment?: unknown } | undefined)?.attachment === 'string' ? (request.body as { attachment: string }).attachment : '';
      const file = await service.inquiryAttachment(deps, request.tenant, request.ip, request.body, id, request.lang);
      return reply.headers(downloadHeaders(file)).send(file.content);
    },
  );

  // ---------------------------------------------------------------- one-stop

  api.post(
    '/api/v1/procedure-bundles',
    { config: STAFF, ...validatedByService, schema: { summary: 'ワンストップ申請の作成 / Create a one-stop bundle', tags: TAGS, security: bearer, body: BundleSchema } },
    async (request, reply) => reply.code(201).send(await service.createBundle(deps, request.tenant, requireUser(request.auth), request.body, request.lang)),
  );

  api.get(
    '/api/v1/procedure-bundles/:code',
    { config: PUBLIC, schema: { summary: 'ワンストップ申請のフォーム / A bundle and its form', tags: TAGS, params: CodeParam } },
    async (request) => {
      const f = await service.bundleForm(deps, request.tenant.id, request.params.code);
      return { code: f.bundle.code, title: f.bundle.title, description: f.bundle.description, procedures: f.procedures.map((p) => p.procedure.code), fields: f.fields };
    },
  );

  uploadRoute('/api/v1/procedure-bundles/:code/uploads', 'ワンストップ申請の添付ファイル / Upload files for a bundle application', (r) => ({ bundle: r.params.code }));

  api.post(
    '/api/v1/procedure-bundles/:code/applications',
    { config: PUBLIC, ...validatedByService, schema: { summary: 'ワンストップ申請 / Apply for a bundle', tags: TAGS, params: CodeParam, body: ApplySchema } },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await service.submitBundle(deps, request.tenant, applicant(request), request.params.code, request.body, request.lang, {
            idempotencyKey: idempotencyKey(request),
            formKey: formKeyOf(request.body, request.lang),
          }),
        ),
  );

  // ---------------------------------------------------------------- the department

  api.get(
    '/api/v1/staff/applications',
    { config: STAFF, schema: { summary: '課の受付一覧 / The department’s inbox', tags: TAGS, security: bearer, querystring: InboxQuerySchema } },
    async (request) => {
      const q = request.query;
      const r = await service.departmentInbox(deps, request.tenant, requireUser(request.auth), { status: q.status, procedure: q.procedure, mine: q.mine === 'true', limit: q.limit, offset: q.offset });
      return { total: r.total, items: r.items.map(applicationItem) };
    },
  );

  api.get(
    '/api/v1/staff/applications.csv',
    { config: STAFF, schema: { summary: '課の申請のCSV（監査記録あり） / The department’s applications as CSV (audited)', tags: TAGS, security: bearer, querystring: InboxQuerySchema } },
    async (request, reply) => {
      const user = requireUser(request.auth);
      const q = request.query;
      const r = await service.departmentInbox(deps, request.tenant, user, { status: q.status, procedure: q.procedure, limit: 500, offset: q.offset });
      const rows: string[][] = [];
      for (const a of r.items) {
        const v = await service.readCase(deps, request.tenant, user, a.receiptNumber);
        rows.push([a.receiptNumber, a.procedureCode, String(a.version), a.status, a.receivedAt.toISOString(), v.fields.map((f) => `${f.label}: ${answerText(f, v.answers?.[f.name])}`).join(' / ')]);
      }
      const csv = stringify(rows, { header: true, columns: ['受付番号', '手続', '版', '状態', '受付日時', '申請内容'] });
      reply.header('content-disposition', 'attachment; filename="applications.csv"');
      return reply.type('text/csv; charset=utf-8').send(`\ufeff${csv}`);
    },
  );

  api.get(
    '/api/v1/applications/:receiptNumber',
    { config: STAFF, schema: { summary: '申請の内容（課の職員、監査記録あり） / An application (its department; audited)', tags: TAGS, security: bearer, params: ReceiptParam } },
    async (request) => service.readCase(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber),
  );

  api.get(
    '/api/v1/applications/:receiptNumber/attachments/:id',
    { config: STAFF, schema: { summary: '添付ファイル（課の職員、監査記録あり） / An attachment (its department; audited)', tags: TAGS, security: bearer, params: AttachmentParam } },
    async (request, reply) => {
      const file = await service.caseAttachment(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber, request.params.id);
      return reply.headers(downloadHeaders(file)).send(file.content);
    },
  );

  api.post(
    '/api/v1/applications/:receiptNumber/status',
    { config: STAFF, ...validatedByService, schema: { summary: '状態の変更 / Change the status', tags: TAGS, security: bearer, params: ReceiptParam, body: StatusChangeSchema } },
    async (request) => service.changeStatus(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber, request.body, request.lang),
  );

  api.post(
    '/api/v1/applications/:receiptNumber/assign',
    { config: STAFF, schema: { summary: '担当者の割当て / Assign', tags: TAGS, security: bearer, params: ReceiptParam, body: AssignSchema } },
    async (request) => service.assignApplication(deps, request.tenant, requireUser(request.auth), request.params.receiptNumber, request.body?.assignee),
  );

  procedurePageRoutes(app, deps);
  procedureBuilderRoutes(app, deps);
}
