/**
 * 市民意識調査 — surveys: building one (questions on the plan's six codes or a city's own
 * scale), running it (open, close, publish), the single-use invitation codes, the answers
 * (web, keyed-in paper, a survey firm's CSV) with their running tallies, and the results.
 */
import { randomBytes } from 'node:crypto';
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { sha256 } from '../../core/crypto.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { todayJst } from '../../core/dates.ts';
import { batchedPerDatabase } from '../../core/db/batch.ts';
import type { Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { hitRateLimit, RateLimitedError, retryAfterSeconds, roomCheck, type RateLimit } from '../../core/rate-limit.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { parseWith } from '../../core/validation.ts';
import type { JobDefinition } from '../../core/scheduler.ts';
import type { AppDeps } from '../module.ts';
import { currentPlanSections, getIndicator } from '../plan/plan.service.ts';
import './surveys.messages.ts';
import { canManageSurveys, canReadDefinition, canReadResults } from './surveys.policy.ts';
import * as repo from './surveys.repository.ts';
import { questionResult, type QuestionResult } from './surveys.results.ts';
import { ownScale, PLAN_SCALE, plainChoices, blankChoice, type Choice } from './surveys.scale.ts';
import { CreateSurveySchema, LIMITS, ResponseSchema, StrataSchema, type ResponseInput } from './surveys.schema.ts';
import { postStratified, twoProportionTest, type Change, type Share } from './surveys.stats.ts';

/** The data-version scope of everything public about surveys (and of the metric). */
export const SURVEYS_SCOPE = 'surveys';

export const RATE_LIMITS = {
  /**
   * Unknown codes from one client address: once ten are counted in ten minutes, the address's
   * answers are refused before their code is tried, so guessing is slowed to a crawl. Answers
   * with a real code are not limited: each spends a code of its own.
   */
  missPerClient: { bucket: 'surveys.miss.client', limit: 10, windowSeconds: 600 },
} as const satisfies Record<string, RateLimit>;

const msg = (key: string, params?: Record<string, string | number>) => ({ ja: translate('ja', key, params), en: translate('en', key, params) });
/** A message naming the survey's state in each language. */
export const stateMsg = (key: string, state: repo.State) => ({ ja: translate('ja', key, { state: stateLabel(state, 'ja') }), en: translate('en', key, { state: stateLabel(state, 'en') }) });
const today = (deps: Pick<AppDeps, 'clock'>) => todayJst(deps.clock.now());
const actor = (user: AuthUser) => ({ actorId: user.id, actorLabel: user.email });

export function stateLabel(state: repo.State, lang: Lang): string {
  return translate(lang, `surveys.state.${state}`);
}

async function surveyOrThrow(sql: Sql, tenantId: string, code: string): Promise<repo.Survey> {
  const s = await repo.findSurvey(sql, tenantId, code);
  if (!s) throw new AppError('not_found', msg('surveys.error.notFound', { code: code.slice(0, LIMITS.code) }));
  return s;
}

function throwIfAny(errors: FieldError[]): void {
  if (errors.length) throw new AppError('validation', undefined, errors);
}

// ---------------------------------------------------------------------------------------------
// Building

/** The stored choices of a question as defined. */
function choicesOf(q: { kind: string; choices?: (string | { code: string; label: string })[] | undefined; scale?: { choices: { code: string; label: string; positive?: boolean | undefined; substantive?: boolean | undefined }[] } | undefined }): Choice[] {
  if (q.kind === 'perception') return q.scale ? ownScale(q.scale) : [...PLAN_SCALE];
  if (q.kind === 'single' || q.kind === 'multiple') return plainChoices(q.choices ?? []);
  return [];
}

/** Creates a survey in the draft state; every problem (schema, unknown section or indicator, a taken code) at once. */
export async function createSurvey(deps: AppDeps, tenant: Tenant, user: AuthUser, body: unknown, lang: Lang, options: { isDemo?: boolean } = {}) {
  const parsed = parseWith(CreateSurveySchema, body, lang);
  const errors = parsed.ok ? [] : [...parsed.errors];
  if (!parsed.ok) throwIfAny(errors);
  const input = parsed.ok ? parsed.value : (undefined as never);
  const sections = new Set((await currentPlanSections(deps.db, tenant.id)).map((s) => s.code));
  for (const [i, q] of input.questions.entries()) {
    if (q.section && !sections.has(q.section)) errors.push({ path: `questions.${i}.section`, message: translate(lang, 'surveys.error.sectionUnknown', { code: q.section }) });
    if (q.indicator) {
      const known = await getIndicator(deps.db, deps, tenant.id, q.indicator).then(
        () => true,
        (err: unknown) => (err instanceof AppError ? false : Promise.reject(err)),
      );
      if (!known) errors.push({ path: `questions.${i}.indicator`, message: translate(lang, 'surveys.error.indicatorUnknown', { code: q.indicator }) });
    }
  }
  if (await repo.findSurvey(deps.db, tenant.id, input.code)) errors.unshift({ path: 'code', message: translate(lang, 'surveys.error.codeTaken', { code: input.code }) });
  throwIfAny(errors);
  return deps.db.transaction(async (tx) => {
    const survey = await repo.insertSurvey(tx, tenant.id, { code: input.code, title: input.title, fiscalYear: input.fiscalYear, population: input.population ?? null, isDemo: options.isDemo ?? false });
    for (const [position, q] of input.questions.entries()) {
      await repo.insertQuestion(tx, tenant.id, survey.id, {
        code: q.code,
        position,
        kind: q.kind,
        text: q.text,
        required: q.required ?? false,
        choices: choicesOf(q),
        ownScale: q.kind === 'perception' && !!q.scale,
        sectionCode: q.section ?? null,
        indicatorCode: q.indicator ?? null,
      });
    }
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'survey.create', entityType: 'survey', entityId: survey.code, details: { questions: input.questions.length } });
    await bumpDataVersion(tx, tenant.id, SURVEYS_SCOPE);
    return survey;
  });
}

const TRANSITIONS = {
  open: { from: ['draft', 'closed'], to: 'open' },
  close: { from: ['open'], to: 'closed' },
  publish: { from: ['closed'], to: 'published' },
} as const satisfies Record<string, { from: readonly repo.State[]; to: repo.State }>;
export type Transition = keyof typeof TRANSITIONS;

/**
 * Opens, closes or publishes a survey; 409 from any other state. Closing settles every answer
 * still in the ballot box and rewrites all the responses in one transaction (then vacuums what
 * it left behind). Publishing updates the plan's pages (the metric's scope).
 */
export async function changeState(deps: AppDeps, tenant: Tenant, user: AuthUser, code: string, action: Transition): Promise<repo.Survey> {
  const t = TRANSITIONS[action];
  const changed = await deps.db.transaction(async (tx) => {
    const survey = await surveyOrThrow(tx, tenant.id, code);
    const changed = await repo.transition(tx, tenant.id, survey.id, t.from, t.to, today(deps));
    if (!changed) throw new AppError('conflict', stateMsg('surveys.error.state', survey.state));
    if (action === 'close') await repo.settleAll(tx, tenant.id, survey.id);
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: `survey.${action}`, entityType: 'survey', entityId: survey.code });
    await bumpDataVersion(tx, tenant.id, SURVEYS_SCOPE);
    return changed;
  });
  if (action === 'close') await repo.vacuumBallots(deps.db, true);
  return changed;
}

/** The scheduler's job: settles the ballot boxes' full days (SETTLE_GROUP answers or more), each survey in its own transaction. */
export function settleJob(): JobDefinition {
  return {
    name: SETTLE_JOB,
    everySeconds: 60,
    keepRunsDays: 2,
    async run({ db }) {
      let moved = 0;
      for (const s of await repo.surveysWithBallots(db)) moved += await repo.settleBallots(db, s.tenantId, s.surveyId, repo.SETTLE_GROUP);
      if (moved > 0) await repo.vacuumBallots(db, false);
      return `${moved} answers settled`;
    },
  };
}
export const SETTLE_JOB = 'surveys.settle';

// ---------------------------------------------------------------------------------------------
// Invitation codes

/** Letters and digits that cannot be mistaken for each other on paper (no 0/O, 1/I/L). */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 16;

/** A new code: 16 characters of 31 (≈ 79 bits), printed in groups of four. */
export function newInvitationCode(): string {
  const out: string[] = [];
  while (out.length < CODE_LENGTH) {
    for (const b of randomBytes(32)) {
      // 248 = 8 × 31: rejecting the rest keeps every character equally likely.
      if (b < 248 && out.length < CODE_LENGTH) out.push(ALPHABET[b % 31]!);
    }
  }
  return out.join('').replace(/(.{4})(?=.)/g, '$1-');
}

/** A code as typed: full-width forms folded, case ignored, spaces and hyphens dropped. */
export function normaliseCode(text: string): string {
  return text.normalize('NFKC').toUpperCase().replace(/[\s\-‐－ー_]/g, '');
}

export const hashCode = (code: string) => sha256(`survey-invitation:${normaliseCode(code)}`);

/** Issues `count` new codes: returned once (to print on the letters), stored only as hashes. */
export async function createInvitations(deps: AppDeps, tenant: Tenant, user: AuthUser, code: string, count: number): Promise<string[]> {
  return deps.db.transaction(async (tx) => {
    const survey = await surveyOrThrow(tx, tenant.id, code);
    if (survey.state === 'published') throw new AppError('conflict', stateMsg('surveys.error.state', survey.state));
    const codes: string[] = [];
    while (codes.length < count) {
      const batch = Array.from({ length: count - codes.length }, newInvitationCode);
      const stored = await repo.insertInvitations(tx, tenant.id, survey.id, batch.map(hashCode));
      if (stored === batch.length) codes.push(...batch);
      else throw new Error('an invitation code clashed'); // ~2⁻⁷⁹ per pair: never expected
    }
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'survey.invitations', entityType: 'survey', entityId: survey.code, details: { count } });
    return codes;
  });
}

// ---------------------------------------------------------------------------------------------
// Answers

export interface AnswerCheck {
  stored: Record<string, unknown>;
  errors: FieldError[];
}

/**
 * Checks answers against the questions and gives what is stored: a choice code (a blank
 * perception answer on the plan's scale as 9 無回答), an array for multiple choices, text or a
 * number; a blank answer is left out. Errors are at `answers.<question>`.
 */
export function checkAnswers(questions: readonly repo.Question[], answers: Record<string, unknown>, lang: Lang, prefix = 'answers.'): AnswerCheck {
  const errors: FieldError[] = [];
  const stored: Record<string, unknown> = {};
  const t = (key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const known = new Set(questions.map((q) => q.code));
  for (const key of Object.keys(answers)) if (!known.has(key)) errors.push({ path: `${prefix}${key}`, message: t('surveys.error.unknownQuestion', { code: key.slice(0, 32) }) });
  for (const q of questions) {
    const path = `${prefix}${q.code}`;
    const raw = answers[q.code];
    const isBlank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '') || (Array.isArray(raw) && raw.length === 0);
    if (isBlank) {
      if (q.required) errors.push({ path, message: t('surveys.error.required') });
      else {
        const blank = blankChoice(q.choices);
        if (blank && q.kind !== 'multiple') stored[q.code] = blank.code;
      }
      continue;
    }
    const codes = new Set(q.choices.map((c) => c.code));
    if (q.kind === 'perception' || q.kind === 'single') {
      if (Array.isArray(raw)) {
        errors.push({ path, message: t('surveys.error.oneChoice') });
        continue;
      }
      const v = String(raw).normalize('NFKC').trim();
      if (!codes.has(v)) errors.push({ path, message: t('surveys.error.unknownChoice', { value: v.slice(0, 40) }) });
      else stored[q.code] = v;
    } else if (q.kind === 'multiple') {
      const list = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v).normalize('NFKC').trim());
      const bad = list.find((v) => !codes.has(v));
      if (bad !== undefined) errors.push({ path, message: t('surveys.error.unknownChoice', { value: bad.slice(0, 40) }) });
      else if (new Set(list).size !== list.length) errors.push({ path, message: t('surveys.error.duplicateChoice') });
      else stored[q.code] = q.choices.map((c) => c.code).filter((c) => list.includes(c));
    } else if (q.kind === 'number') {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.normalize('NFKC').trim()) : Number.NaN;
      if (!Number.isFinite(n) || Math.abs(n) > 1e12) errors.push({ path, message: t('surveys.error.number') });
      else stored[q.code] = n;
    } else {
      if (typeof raw !== 'string' || raw.length > LIMITS.textAnswer) errors.push({ path, message: t('surveys.error.text', { max: LIMITS.textAnswer }) });
      else stored[q.code] = raw.trim();
    }
  }
  return { stored, errors };
}

export interface Requester {
  user: AuthUser | null;
  ip: string;
}

/** What an answer needs of its survey and never changes once the survey is created (no route edits questions). */
interface AnswerForm {
  id: string;
  code: string;
  isDemo: boolean;
  questions: repo.Question[];
}

/**
 * The answer forms read so far, by database, tenant and survey code: an answer skips the read
 * of the survey's questions (they are immutable; the survey's state, which changes, is checked
 * by the answer's own statement). Exact on every app server, so safe with several; bounded.
 */
const answerForms = new Map<string, { form: AnswerForm; db: object }>();
const ANSWER_FORMS_KEPT = 500;

/** The survey's answer form: remembered, or read with the survey (then with its current state too). */
async function answerForm(sql: Sql, tenantId: string, code: string): Promise<{ form: AnswerForm; state?: repo.State } | undefined> {
  const key = `${tenantId}|${code}`;
  const known = answerForms.get(key);
  if (known?.db === sql.identity) return { form: known.form };
  const found = await repo.findSurveyWithQuestions(sql, tenantId, code);
  if (!found) return undefined;
  const form: AnswerForm = { id: found.survey.id, code: found.survey.code, isDemo: found.survey.isDemo, questions: found.questions };
  if (answerForms.size >= ANSWER_FORMS_KEPT) answerForms.delete(answerForms.keys().next().value!);
  answerForms.set(key, { form, db: sql.identity });
  return { form, state: found.survey.state };
}

/**
 * Stores one answer under an invitation code, in one statement with the code's use, the
 * respondent count and the tallies: 201; the same code again 409, an unknown code 404, a
 * survey not open 409 (before any check of the answers), bad answers 400 — each storing nothing.
 */
export async function submitResponse(
  deps: AppDeps,
  tenant: Tenant,
  who: Requester,
  code: string,
  body: unknown,
  lang: Lang,
  /**
   * The per-address limit a web answer is checked against (in its own statement) before its code
   * is tried. Every route uses the default; the benchmark passes null once, beside it, to show
   * the check's cost.
   */
  guard: RateLimit | null = RATE_LIMITS.missPerClient,
): Promise<{ survey: string; received: true }> {
  const found = await answerForm(deps.db, tenant.id, code);
  if (!found) throw new AppError('not_found', msg('surveys.error.notFound', { code: code.slice(0, LIMITS.code) }));
  const { form: survey } = found;
  const questions = survey.questions;
  /** 409 unless the survey is open now (its state read afresh when the form was remembered). */
  const refuseUnlessOpen = async () => {
    const state = found.state ?? (await repo.findSurvey(deps.db, tenant.id, survey.code))?.state ?? 'closed';
    if (state !== 'open') throw new AppError('conflict', stateMsg('surveys.error.notOpen', state));
  };
  const parsed = parseWith(ResponseSchema, body, lang);
  const input: ResponseInput | undefined = parsed.ok ? parsed.value : undefined;
  const channel = input?.channel ?? 'web';
  if (channel === 'paper' && !canManageSurveys(who.user)) throw new AppError('forbidden', msg('surveys.error.paperStaff'));
  if (found.state !== undefined) await refuseUnlessOpen();
  if (!parsed.ok) {
    await refuseUnlessOpen();
    throwIfAny(parsed.errors);
  }
  const staff = channel === 'paper';
  const { stored, errors } = checkAnswers(questions, input!.answers, lang);
  if (errors.length) await refuseUnlessOpen();
  throwIfAny(errors);
  const attrs: { sex?: string | undefined; ageGroup?: string | undefined; area?: string | undefined } = input!.attributes ?? {};
  const row: repo.ResponseRow = { channel, receivedOn: today(deps), sex: attrs.sex ?? null, ageGroup: attrs.ageGroup ?? null, area: attrs.area ?? null, answers: stored, isDemo: survey.isDemo };
  const hash = hashCode(input!.invitation);
  let outcome: repo.StoreOutcome;
  if (staff) {
    // A paper answer and its audit entry commit together.
    outcome = await deps.db.transaction(async (tx) => {
      const result = await repo.storeAnswer(tx, { tenantId: tenant.id, surveyId: survey.id, hash, row });
      if (result === 'ok') await appendAudit(tx, { tenantId: tenant.id, ...actor(who.user!), action: 'survey.paper_answer', entityType: 'survey', entityId: survey.code });
      return result;
    });
  } else {
    // A web answer is one statement, no transaction: the address's room checked, then the code
    // tried, and stored with others arriving at the same moment.
    const room = guard ? roomCheck(deps.clock, guard, who.ip) : undefined;
    outcome = await gatheredAnswers(deps.db)({ tenantId: tenant.id, surveyId: survey.id, hash, row, room });
    if (typeof outcome === 'object') throw new RateLimitedError(retryAfterSeconds(room!, outcome.full));
  }
  // Not open (closed since the read, or never opened): nothing was stored, the code stays unused.
  if (outcome === 'closed') {
    found.state = undefined;
    await refuseUnlessOpen();
    throw new AppError('conflict', stateMsg('surveys.error.notOpen', 'closed'));
  }
  if (outcome === 'used') throw new AppError('conflict', msg('surveys.error.usedInvitation'));
  if (outcome === 'unknown') {
    if (!staff) {
      const miss = await hitRateLimit(deps.db, deps.clock, tenant.id, RATE_LIMITS.missPerClient, who.ip);
      if (!miss.allowed) throw new RateLimitedError(miss.retryAfterSeconds);
    }
    throw new AppError('not_found', msg('surveys.error.unknownInvitation'));
  }
  return { survey: survey.code, received: true };
}

/**
 * Web answers arriving at the same moment stored by one statement (group commit:
 * core/db/batch.ts); inside a caller's transaction, alone in it.
 */
const gatheredAnswers = batchedPerDatabase<repo.AnswerToStore, repo.StoreOutcome>((db) => ({
  many: (answers) => repo.storeAnswers(db, answers),
  one: (a) => repo.storeAnswer(db, a),
}));

// ---------------------------------------------------------------------------------------------
// Reading

export async function getSurvey(sql: Sql, tenantId: string, user: AuthUser | null, code: string) {
  const survey = await surveyOrThrow(sql, tenantId, code);
  if (!canReadDefinition(user, survey.state)) throw new AppError('not_found', msg('surveys.error.notFound', { code }));
  return { survey, questions: await repo.loadQuestions(sql, tenantId, survey.id) };
}

export async function listSurveys(sql: Sql, tenantId: string, user: AuthUser | null, query: { limit: number; offset: number; fiscalYear?: number | undefined }) {
  const states: repo.State[] = canManageSurveys(user) ? ['draft', 'open', 'closed', 'published'] : ['open', 'published'];
  return repo.listSurveys(sql, tenantId, { states, ...query });
}

export interface YearChange extends Change {
  fromSurvey: string;
  fromFiscalYear: number;
  previous: number;
}

export interface SurveyResults {
  survey: repo.Survey;
  responseRate: number | null;
  questions: (QuestionResult & { change: YearChange | null; weighted: (Share & { cellsUsed: number }) | null })[];
}

const positiveCount = (r: QuestionResult) => r.choices.filter((c) => c.positive).reduce((s, c) => s + c.count, 0);

/** A perception question's counterpart in an earlier survey: the same indicator, else the same section, else the same code. */
function counterpart(q: repo.Question, others: readonly repo.Question[]): repo.Question | undefined {
  const perception = others.filter((o) => o.kind === 'perception');
  if (q.indicatorCode) return perception.find((o) => o.indicatorCode === q.indicatorCode);
  if (q.sectionCode) return perception.find((o) => o.sectionCode === q.sectionCode);
  return perception.find((o) => o.code === q.code);
}

/** The results of a survey: public once published, staff's before. */
export async function surveyResults(sql: Sql, tenantId: string, user: AuthUser | null, code: string): Promise<SurveyResults> {
  const survey = await surveyOrThrow(sql, tenantId, code);
  if (!canReadResults(user, survey.state)) throw new AppError('not_found', msg('surveys.error.notFound', { code }));
  return resultsOf(sql, tenantId, survey);
}

export async function resultsOf(sql: Sql, tenantId: string, survey: repo.Survey): Promise<SurveyResults> {
  const [questions, tallies, strata, earlier] = await Promise.all([
    repo.loadQuestions(sql, tenantId, survey.id),
    repo.loadTallies(sql, tenantId, survey.id),
    repo.loadStrata(sql, tenantId, survey.id),
    repo.previousPublished(sql, tenantId, survey.fiscalYear),
  ]);
  const n = survey.respondents;
  const out: SurveyResults['questions'] = [];
  for (const q of questions) {
    const r = questionResult(q, tallies, n, survey.population);
    let change: YearChange | null = null;
    let weighted: SurveyResults['questions'][number]['weighted'] = null;
    if (q.kind === 'perception') {
      for (const prev of earlier) {
        const other = counterpart(q, await repo.loadQuestions(sql, tenantId, prev.id));
        if (!other) continue;
        const pr = questionResult(other, await repo.loadTallies(sql, tenantId, prev.id), prev.respondents, prev.population);
        const test = twoProportionTest(positiveCount(pr), prev.respondents, positiveCount(r), n);
        if (test) change = { ...test, fromSurvey: prev.code, fromFiscalYear: prev.fiscalYear, previous: positiveCount(pr) / prev.respondents };
        break;
      }
      if (strata.length) {
        const positives = q.choices.filter((c) => c.positive).map((c) => c.code);
        const cells = await repo.cellCounts(sql, tenantId, survey.id, q.code, positives);
        weighted = postStratified(
          strata.map((s) => {
            const c = cells.find((x) => x.sex === s.sex && x.ageGroup === s.ageGroup);
            return { key: `${s.sex}|${s.ageGroup}`, population: s.population, respondents: c?.respondents ?? 0, hits: c?.hits ?? 0 };
          }),
        );
      }
    }
    out.push({ ...r, change, weighted });
  }
  return { survey, responseRate: survey.invited > 0 ? n / survey.invited : null, questions: out };
}

/** Replaces the population counts per sex × age group (for the weighted figures beside the raw ones). */
export async function setStrata(deps: AppDeps, tenant: Tenant, user: AuthUser, code: string, body: unknown, lang: Lang) {
  const parsed = parseWith(StrataSchema, body, lang);
  if (!parsed.ok) throwIfAny(parsed.errors);
  const cells = parsed.ok ? parsed.value.cells : [];
  return deps.db.transaction(async (tx) => {
    const survey = await surveyOrThrow(tx, tenant.id, code);
    await repo.replaceStrata(tx, tenant.id, survey.id, cells);
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'survey.strata', entityType: 'survey', entityId: survey.code, details: { cells: cells.length } });
    await bumpDataVersion(tx, tenant.id, SURVEYS_SCOPE);
    return { cells };
  });
}

/** Running tallies against a full recount of the stored answers (equal unless something is broken). */
export async function verifyTallies(sql: Sql, tenantId: string, code: string) {
  const survey = await surveyOrThrow(sql, tenantId, code);
  // Compared per weighting cell: the weighted figures read the cells.
  const key = (t: repo.CellTally) => `${t.questionCode}\u0000${t.choiceCode}\u0000${t.sex}\u0000${t.ageGroup}`;
  const running = new Map((await repo.loadCellTallies(sql, tenantId, survey.id, 'settled')).filter((t) => t.n > 0).map((t) => [key(t), t.n]));
  const recount = new Map((await repo.recountTallies(sql, tenantId, survey.id)).map((t) => [key(t), t.n]));
  const stored = await repo.storedCounts(sql, tenantId, survey.id);
  const same = running.size === recount.size && [...running].every(([k, n]) => recount.get(k) === n) && stored.responses + stored.ballots === survey.respondents;
  return { same, respondents: survey.respondents, stored: stored.responses + stored.ballots, waiting: stored.ballots };
}
