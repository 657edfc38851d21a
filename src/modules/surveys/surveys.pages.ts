/**
 * The surveys pages, all working without JavaScript: the public list and results (each
 * perception question's 100 % stacked bar by year with its table), the answer form (one
 * fieldset per question, nothing saved until sent), and the staff's pages: the list with the
 * survey builder, a survey's page (open, close, publish, codes as CSV, the firm's CSV import),
 * the form's preview and paper entry.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser } from '../../core/auth.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { acceptMultipart, readUploadForm, uploadsOf } from '../../core/multipart.ts';
import { HTML_TYPE, sendPublicRead } from '../../core/public-read.ts';
import type { Breadcrumb } from '../../core/views/views.ts';
import type { PageData } from '../../core/web.ts';
import type { AppDeps } from '../module.ts';
import { currentPlanSections } from '../plan/plan.service.ts';
import { stackedBarSvg, yearLabel } from './surveys.chart.ts';
import { importAnswers, type ImportReport } from './surveys.import.ts';
import { choiceLabel } from './surveys.metric.ts';
import { canManageSurveys } from './surveys.policy.ts';
import type { Question, Survey } from './surveys.repository.ts';
import * as repo from './surveys.repository.ts';
import { questionResult } from './surveys.results.ts';
import { viewerOf } from './surveys.routes.ts';
import { CodeParam, KINDS, LIMITS } from './surveys.schema.ts';
import * as service from './surveys.service.ts';
import { percent1, type Share } from './surveys.stats.ts';
import './surveys.messages.ts';

const VIEWS = 'surveys/views';
const hidden = { hide: true };
const PUBLIC = { access: access.public };
const STAFF = { access: access.staff };
const SLOTS = 6;
const SEXES = ['女性', '男性', 'その他'];
const AGES = ['18-29歳', '30-39歳', '40-49歳', '50-59歳', '60-69歳', '70歳以上'];

const pct = (v: number, lang: Lang) => `${percent1(v).toFixed(1)}${lang === 'ja' ? '%' : ' %'}`;
const interval = (s: Share, lang: Lang) => `${pct(s.low, lang)}–${pct(s.high, lang)}`;

/** The answer form's fields of one question. */
function formQuestion(q: Question, lang: Lang, values: Record<string, unknown>) {
  const raw = values[q.code];
  const chosen = Array.isArray(raw) ? raw.map(String) : raw === undefined || raw === null ? [] : [String(raw)];
  return {
    code: q.code,
    name: `answers.${q.code}`,
    kind: q.kind,
    text: q.text,
    required: q.required,
    choices: q.choices
      .filter((c) => !c.blank)
      .map((c) => ({ value: c.code, label: choiceLabel(c, q.ownScale, lang), checked: chosen.includes(c.code) })),
    value: chosen[0] ?? '',
  };
}

/** The answers of a posted form: answers.<code> fields (repeated for multiple choices). */
function postedAnswers(questions: readonly Question[], body: Record<string, unknown>) {
  const answers: Record<string, unknown> = {};
  for (const q of questions) {
    const v = body[`answers.${q.code}`];
    if (v === undefined) continue;
    answers[q.code] = q.kind === 'multiple' ? (Array.isArray(v) ? v : [v]) : Array.isArray(v) ? v[0] : v;
  }
  return answers;
}

export function surveyPageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps;
  const pages = app.withTypeProvider<ZodTypeProvider>();
  acceptMultipart(app, { fileSize: 20 * 1024 * 1024, files: 1, fields: 10 });
  const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const home = (lang: Lang): Breadcrumb => ({ href: '/', label: t(lang, 'shell.home') });
  const publicCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/surveys', label: t(lang, 'surveys.list.title') }, ...rest];
  const staffCrumbs = (lang: Lang, ...rest: Breadcrumb[]) => [home(lang), { href: '/staff/surveys', label: t(lang, 'surveys.staff.title') }, ...rest];

  /** A public page: cached for visitors; rendered afresh for the signed-in. */
  const publicPage = async (request: FastifyRequest, reply: FastifyReply, template: string, build: () => Promise<PageData>) => {
    if (request.auth.user) return reply.page(template, await build());
    return sendPublicRead(db, request, reply, { scopes: [service.SURVEYS_SCOPE], type: HTML_TYPE, produce: async () => reply.pageHtml(template, await build()) });
  };

  const row = (s: Survey, lang: Lang) => ({ code: s.code, title: s.title, year: yearLabel(s.fiscalYear, lang), state: service.stateLabel(s.state, lang), demo: s.isDemo, respondents: s.respondents, invited: s.invited });

  // ---------------------------------------------------------------- public

  pages.get('/surveys', { schema: hidden, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, `${VIEWS}/list.njk`, async () => {
      const lang = request.lang;
      const { items } = await repo.listSurveys(db, request.tenant.id, { states: ['open', 'published'], limit: 500, offset: 0 });
      return {
        title: t(lang, 'surveys.list.title'),
        breadcrumbs: [home(lang)],
        open: items.filter((s) => s.state === 'open').map((s) => row(s, lang)),
        published: items.filter((s) => s.state === 'published').map((s) => row(s, lang)),
      };
    }),
  );

  /** The results page's figures: every question, with the perception questions' series over the published years. */
  const resultsPage = async (request: FastifyRequest, code: string): Promise<PageData> => {
    const lang = request.lang;
    const r = await service.surveyResults(db, request.tenant.id, viewerOf(request), code);
    const s = r.survey;
    const questions = [];
    for (const q of r.questions) {
      const stored = (await repo.loadQuestions(db, request.tenant.id, s.id)).find((x) => x.code === q.code)!;
      let chartSvg: string | null = null;
      let yearRows: string[][] = [];
      let yearColumns: string[] = [];
      if (q.kind === 'perception') {
        // This survey's question with its published counterparts of earlier years.
        const series = await perceptionYears(request.tenant.id, s, stored);
        const labels = stored.choices.map((c) => choiceLabel(c, stored.ownScale, lang));
        chartSvg = await stackedBarSvg(
          series.map((y) => ({ fiscalYear: y.fiscalYear, shares: stored.choices.map((c) => (y.respondents ? (y.counts[c.code] ?? 0) / y.respondents : 0)) })),
          labels,
          lang,
          { title: q.text, description: t(lang, 'surveys.results.byYear'), idPrefix: `chart-${q.code}` },
        );
        yearColumns = [t(lang, 'surveys.field.fiscalYear'), ...labels, t(lang, 'surveys.field.positive'), t(lang, 'surveys.field.respondents')];
        yearRows = series.map((y) => [
          yearLabel(y.fiscalYear, lang) + (y.demo ? t(lang, 'surveys.demo.suffix') : ''),
          ...stored.choices.map((c) => (y.respondents ? pct((y.counts[c.code] ?? 0) / y.respondents, lang) : '—')),
          y.positive === null ? '—' : pct(y.positive, lang),
          String(y.respondents),
        ]);
      }
      const positives = q.choices.filter((c) => c.positive).map((c) => choiceLabel(c, stored.ownScale, lang));
      const maxScore = Math.max(0, ...stored.choices.map((c) => c.score ?? 0));
      questions.push({
        code: q.code,
        text: q.text,
        kind: q.kind,
        chartSvg,
        yearColumns,
        yearRows,
        choices: q.choices.map((c) => ({
          label: choiceLabel(c, stored.ownScale, lang),
          count: c.count,
          share: c.share ? pct(c.share.value, lang) : '—',
          interval: c.share ? interval(c.share, lang) : '—',
        })),
        unanswered: q.unanswered,
        answeredText: q.kind === 'text' || q.kind === 'number' ? (await repo.loadTallies(db, request.tenant.id, s.id)).find((x) => x.questionCode === q.code && x.choiceCode === '*')?.n ?? 0 : null,
        positive: q.positiveShare ? { label: t(lang, 'surveys.results.positive', { labels: positives.join(lang === 'ja' ? '＋' : ' + ') }), value: pct(q.positiveShare.value, lang), interval: interval(q.positiveShare, lang) } : null,
        opinion: q.opinionShare ? { value: pct(q.opinionShare.value, lang), interval: interval(q.opinionShare, lang) } : null,
        mean: q.meanScore === null ? null : { label: t(lang, 'surveys.results.mean', { max: maxScore }), value: q.meanScore.toFixed(2) },
        change: q.change
          ? t(lang, 'surveys.results.change', {
              year: yearLabel(q.change.fromFiscalYear, lang),
              diff: `${q.change.difference >= 0 ? '+' : '−'}${Math.abs(percent1(q.change.difference)).toFixed(1)}`,
              z: q.change.z.toFixed(2),
              p: q.change.pValue < 0.001 ? '< 0.001' : q.change.pValue.toFixed(3),
              verdict: t(lang, q.change.significant ? 'surveys.results.significant' : 'surveys.results.notSignificant'),
            })
          : null,
        weighted: q.weighted ? t(lang, 'surveys.results.weighted', { share: `${pct(q.weighted.value, lang)}（${interval(q.weighted, lang)}）` }) : null,
      });
    }
    return {
      title: t(lang, 'surveys.results.title', { title: s.title }),
      breadcrumbs: publicCrumbs(lang, { href: `/surveys/${encodeURIComponent(s.code)}`, label: s.title }),
      survey: { ...row(s, lang), population: s.population, published: s.state === 'published', rate: r.responseRate === null ? '—' : pct(r.responseRate, lang) },
      rounding: t(lang, 'surveys.results.rounding', { fpc: s.population ? t(lang, 'surveys.results.fpc') : '' }),
      questions,
    };
  };

  /** A perception question across the published years (the counterpart of each year), this survey last. */
  async function perceptionYears(tenantId: string, s: Survey, q: Question) {
    const by = q.indicatorCode ? { indicators: [q.indicatorCode] } : q.sectionCode ? { section: q.sectionCode } : null;
    const years = new Map<number, { fiscalYear: number; respondents: number; counts: Record<string, number>; positive: number | null; demo: boolean }>();
    if (by) {
      const others = (await repo.publishedQuestions(db, tenantId, by)).filter((o) => o.kind === 'perception' && o.fiscalYear < s.fiscalYear);
      const tallies = await repo.talliesOf(db, tenantId, [...new Set(others.map((o) => o.surveyId))]);
      for (const o of others) {
        const r = questionResult(o, tallies.filter((x) => x.surveyId === o.surveyId), o.respondents, o.population);
        years.set(o.fiscalYear, { fiscalYear: o.fiscalYear, respondents: o.respondents, counts: r.counts, positive: r.positiveShare?.value ?? null, demo: o.isDemo });
      }
    }
    const own = questionResult(q, await repo.loadTallies(db, tenantId, s.id), s.respondents, s.population);
    years.set(s.fiscalYear, { fiscalYear: s.fiscalYear, respondents: s.respondents, counts: own.counts, positive: own.positiveShare?.value ?? null, demo: s.isDemo });
    return [...years.values()].sort((a, b) => a.fiscalYear - b.fiscalYear);
  }

  pages.get('/surveys/:code', { schema: { ...hidden, params: CodeParam }, config: PUBLIC }, async (request, reply) =>
    publicPage(request, reply, `${VIEWS}/results.njk`, () => resultsPage(request, request.params.code)),
  );

  // ---------------------------------------------------------------- answering

  const answerData = async (
    request: FastifyRequest,
    s: Survey,
    questions: readonly Question[],
    state: { values?: Record<string, unknown>; errors?: FieldError[]; invitation?: string; attributes?: Record<string, string>; mode: 'web' | 'paper' | 'preview'; notice?: string },
  ): Promise<PageData> => {
    const lang = request.lang;
    const errors = state.errors ?? [];
    const heading = state.mode === 'paper' ? t(lang, 'surveys.answer.paper', { title: s.title }) : t(lang, 'surveys.answer.title', { title: s.title });
    return {
      title: formTitle(heading, errors, lang),
      heading,
      breadcrumbs: state.mode === 'web' ? publicCrumbs(lang, { href: `/surveys/${encodeURIComponent(s.code)}/answer`, label: s.title }) : staffCrumbs(lang, { href: `/staff/surveys/${encodeURIComponent(s.code)}`, label: s.title }),
      survey: row(s, lang),
      mode: state.mode,
      notice: state.notice ?? null,
      open: s.state === 'open',
      action: state.mode === 'paper' ? `/staff/surveys/${encodeURIComponent(s.code)}/paper` : `/surveys/${encodeURIComponent(s.code)}/answer`,
      errors,
      invitation: state.invitation ?? '',
      attributes: state.attributes ?? { sex: '', ageGroup: '', area: '' },
      sexes: SEXES,
      ages: AGES,
      questions: questions.map((q) => formQuestion(q, lang, state.values ?? {})),
      limits: LIMITS,
    };
  };

  const openSurvey = async (request: FastifyRequest, code: string) => service.getSurvey(db, request.tenant.id, viewerOf(request), code);

  pages.get('/surveys/:code/answer', { schema: { ...hidden, params: CodeParam }, config: PUBLIC }, async (request, reply) => {
    const { survey, questions } = await openSurvey(request, request.params.code);
    if (survey.state === 'draft') throw new AppError('not_found');
    return reply.page(`${VIEWS}/answer.njk`, await answerData(request, survey, questions, { mode: 'web' }));
  });

  /** Sends a posted answer form; re-renders it with every problem, or goes on to `done`. */
  const postAnswer = async (request: FastifyRequest, reply: FastifyReply, code: string, mode: 'web' | 'paper') => {
    const { survey, questions } = await openSurvey(request, code);
    if (survey.state === 'draft') throw new AppError('not_found');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const answers = postedAnswers(questions, body);
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
    const attributes = { sex: text('sex'), ageGroup: text('ageGroup'), area: text('area') };
    const invitation = text('invitation');
    const render = async (errors: FieldError[], status: number) =>
      reply.code(status).page(`${VIEWS}/answer.njk`, await answerData(request, survey, questions, { mode, values: answers, errors, invitation, attributes }));
    if (survey.state !== 'open') return reply.code(409).page(`${VIEWS}/answer.njk`, await answerData(request, survey, questions, { mode }));
    const errors: FieldError[] = [];
    if (!invitation) errors.push({ path: 'invitation', message: t(request.lang, 'surveys.error.unknownInvitation') });
    const checked = service.checkAnswers(questions, answers, request.lang);
    errors.push(...checked.errors);
    if (errors.length) return render(errors, 400);
    try {
      await service.submitResponse(
        deps,
        request.tenant,
        { user: viewerOf(request), ip: request.ip },
        survey.code,
        { invitation, answers, ...(Object.values(attributes).some(Boolean) ? { attributes } : {}), channel: mode },
        request.lang,
      );
    } catch (err) {
      if (err instanceof AppError && (err.status === 404 || err.status === 409)) {
        const latest = await repo.findSurvey(db, request.tenant.id, survey.code);
        if (latest?.state !== 'open') return reply.code(409).page(`${VIEWS}/answer.njk`, await answerData(request, latest ?? survey, questions, { mode }));
        return render([{ path: 'invitation', message: err.detail?.[request.lang] ?? err.message }], err.status);
      }
      if (err instanceof AppError && err.status === 400) return render(err.errors, 400);
      throw err;
    }
    if (mode === 'paper') return reply.page(`${VIEWS}/answer.njk`, await answerData(request, survey, questions, { mode, notice: t(request.lang, 'surveys.answer.paperSaved') }));
    return reply.redirect(`/surveys/${encodeURIComponent(survey.code)}/thanks`, 303);
  };

  pages.post('/surveys/:code/answer', { schema: { ...hidden, params: CodeParam }, config: PUBLIC }, async (request, reply) => postAnswer(request, reply, request.params.code, 'web'));

  pages.get('/surveys/:code/thanks', { schema: { ...hidden, params: CodeParam }, config: PUBLIC }, async (request, reply) => {
    const { survey } = await openSurvey(request, request.params.code);
    return reply.page(`${VIEWS}/thanks.njk`, { title: t(request.lang, 'surveys.answer.thanks'), breadcrumbs: publicCrumbs(request.lang), survey: row(survey, request.lang) });
  });

  // ---------------------------------------------------------------- staff

  const kinds = (lang: Lang) => KINDS.map((k) => ({ value: k, label: t(lang, `surveys.kind.${k}`) }));
  const builderFields = ['code', 'title', 'fiscalYear', 'population', ...Array.from({ length: SLOTS }, (_, i) => ['code', 'kind', 'text', 'choices', 'section', 'indicator', 'required', 'order'].map((f) => `q${i + 1}_${f}`)).flat()];

  const staffList = async (request: FastifyRequest, state: { values?: Record<string, string>; errors?: FieldError[]; notice?: string } = {}): Promise<PageData> => {
    const lang = request.lang;
    const { items } = await repo.listSurveys(db, request.tenant.id, { states: ['draft', 'open', 'closed', 'published'], limit: 500, offset: 0 });
    const errors = state.errors ?? [];
    return {
      title: formTitle(t(lang, 'surveys.staff.title'), errors, lang),
      breadcrumbs: [home(lang)],
      surveys: items.map((s) => row(s, lang)),
      errors,
      notice: state.notice ?? null,
      values: state.values ?? { fiscalYear: String(new Date(deps.clock.now()).getFullYear()) },
      slots: Array.from({ length: SLOTS }, (_, i) => i + 1),
      kinds: kinds(lang),
      sections: [{ value: '', label: t(lang, 'surveys.field.none') }, ...(await currentPlanSections(db, request.tenant.id)).map((s) => ({ value: s.code, label: `${s.code} ${s.title}` }))],
    };
  };

  pages.get('/staff/surveys', { schema: hidden, config: STAFF }, async (request, reply) => reply.page(`${VIEWS}/staff-list.njk`, await staffList(request)));

  /** The builder's fields as the API's survey definition (slots left empty are skipped). */
  function definitionOf(values: Record<string, string>) {
    const slots = Array.from({ length: SLOTS }, (_, i) => i + 1)
      .filter((n) => values[`q${n}_code`] || values[`q${n}_text`])
      .map((n) => ({ n, order: Number(values[`q${n}_order`] || n) }))
      .sort((a, b) => a.order - b.order || a.n - b.n);
    const questions = slots.map(({ n }) => {
      const v = (f: string) => values[`q${n}_${f}`] ?? '';
      const lines = v('choices').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      const kind = v('kind');
      const q: Record<string, unknown> = { code: v('code'), kind, text: v('text'), required: v('required') === 'yes' };
      if (kind === 'perception' && lines.length) {
        q.scale = { choices: lines.map((l, i) => ({ code: String(i + 1), label: l.replace(/^[+?]\s*/, ''), positive: l.startsWith('+'), substantive: !l.startsWith('?') })) };
      } else if (lines.length) q.choices = lines;
      if (v('section')) q.section = v('section');
      if (v('indicator')) q.indicator = v('indicator');
      return { n, q };
    });
    const population = values.population ? Number(values.population) : undefined;
    return {
      slots: questions.map((x) => x.n),
      body: { code: values.code, title: values.title, fiscalYear: Number(values.fiscalYear), ...(population !== undefined ? { population } : {}), questions: questions.map((x) => x.q) },
    };
  }

  pages.post('/staff/surveys', { schema: hidden, config: STAFF }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(builderFields.map((f) => [f, typeof body[f] === 'string' ? (body[f] as string) : ''])) as Record<string, string>;
    const { slots, body: definition } = definitionOf(values);
    try {
      const s = await service.createSurvey(deps, request.tenant, requireUser(request.auth), definition, request.lang);
      return reply.redirect(`/staff/surveys/${encodeURIComponent(s.code)}?created=1`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      // questions.<i>.<field> → q<slot>_<field>
      const errors = err.errors.map((e) => {
        const m = /^questions\.(\d+)\.(\w+)/.exec(e.path);
        if (m) return { path: `q${slots[Number(m[1])] ?? 1}_${m[2] === 'scale' ? 'choices' : m[2]}`, message: e.message };
        return { path: e.path === 'questions' ? 'q1_code' : e.path, message: e.message };
      });
      return reply.code(400).page(`${VIEWS}/staff-list.njk`, await staffList(request, { values, errors }));
    }
  });

  const staffSurvey = async (request: FastifyRequest, code: string, extra: { notice?: string; report?: ImportReport; errors?: FieldError[] } = {}): Promise<PageData> => {
    const lang = request.lang;
    const { survey, questions } = await service.getSurvey(db, request.tenant.id, requireUser(request.auth), code);
    const actions = (
      [
        ['open', ['draft', 'closed']],
        ['close', ['open']],
        ['publish', ['closed']],
      ] as const
    )
      .filter(([, from]) => (from as readonly string[]).includes(survey.state))
      .map(([a]) => ({ action: a, label: t(lang, `surveys.staff.${a}`) }));
    return {
      title: formTitle(survey.title, extra.errors ?? [], lang),
      breadcrumbs: staffCrumbs(lang, { href: `/staff/surveys/${encodeURIComponent(survey.code)}`, label: survey.title }),
      survey: { ...row(survey, lang), population: survey.population, stateCode: survey.state },
      questions: questions.map((q) => ({ code: q.code, kind: t(lang, `surveys.kind.${q.kind}`), text: q.text, section: q.sectionCode, indicator: q.indicatorCode, choices: q.choices.map((c) => c.label).join(' / ') })),
      actions,
      canIssue: survey.state !== 'published',
      canImport: survey.state === 'open' || survey.state === 'closed',
      canPaper: survey.state === 'open',
      notice: extra.notice ?? ((request.query as { created?: string }).created ? t(lang, 'surveys.staff.created') : null),
      report: extra.report ?? null,
      errors: extra.errors ?? [],
    };
  };

  pages.get('/staff/surveys/:code', { schema: { ...hidden, params: CodeParam, querystring: z.object({ created: z.string().optional() }) }, config: STAFF }, async (request, reply) =>
    reply.page(`${VIEWS}/staff-survey.njk`, await staffSurvey(request, request.params.code)),
  );

  for (const action of ['open', 'close', 'publish'] as const) {
    pages.post(`/staff/surveys/:code/${action}`, { schema: { ...hidden, params: CodeParam }, config: STAFF }, async (request, reply) => {
      const s = await service.changeState(deps, request.tenant, requireUser(request.auth), request.params.code, action);
      return reply.page(`${VIEWS}/staff-survey.njk`, await staffSurvey(request, s.code, { notice: t(request.lang, 'surveys.staff.changed', { state: service.stateLabel(s.state, request.lang) }) }));
    });
  }

  pages.post('/staff/surveys/:code/invitations', { schema: { ...hidden, params: CodeParam }, config: STAFF }, async (request, reply) => {
    const raw = (request.body as Record<string, unknown> | undefined)?.count;
    const count = Number(typeof raw === 'string' ? raw.normalize('NFKC').trim() : NaN);
    if (!Number.isInteger(count) || count < 1 || count > LIMITS.invitationsPerRequest) {
      const message = t(request.lang, 'surveys.staff.count') + ': 1〜' + LIMITS.invitationsPerRequest;
      return reply.code(400).page(`${VIEWS}/staff-survey.njk`, await staffSurvey(request, request.params.code, { errors: [{ path: 'count', message }] }));
    }
    const codes = await service.createInvitations(deps, request.tenant, requireUser(request.auth), request.params.code, count);
    reply.header('content-disposition', `attachment; filename="${request.params.code}-invitations.csv"`);
    return reply.type('text/csv; charset=utf-8').send(`\uFEFF${stringify([['回答用コード'], ...codes.map((c) => [c])])}`);
  });

  pages.post('/staff/surveys/:code/import', { schema: { ...hidden, params: CodeParam }, config: STAFF, preValidation: readUploadForm, bodyLimit: 21 * 1024 * 1024 }, async (request, reply) => {
    const file = uploadsOf(request).find((f) => f.field === 'file');
    if (!file) return reply.code(400).page(`${VIEWS}/staff-survey.njk`, await staffSurvey(request, request.params.code, { errors: [{ path: 'file', message: t(request.lang, 'surveys.staff.noFile') }] }));
    const dryRun = (request.body as Record<string, unknown> | undefined)?.dryRun === 'yes';
    const report = await importAnswers(deps, request.tenant, requireUser(request.auth), request.params.code, file.bytes, dryRun, request.lang);
    return reply.code(report.problems.length && !dryRun ? 422 : 200).page(`${VIEWS}/staff-survey.njk`, await staffSurvey(request, request.params.code, { report }));
  });

  pages.get('/staff/surveys/:code/preview', { schema: { ...hidden, params: CodeParam }, config: STAFF }, async (request, reply) => {
    const { survey, questions } = await service.getSurvey(db, request.tenant.id, requireUser(request.auth), request.params.code);
    return reply.page(`${VIEWS}/answer.njk`, await answerData(request, survey, questions, { mode: 'preview' }));
  });

  pages.get('/staff/surveys/:code/paper', { schema: { ...hidden, params: CodeParam }, config: STAFF }, async (request, reply) => {
    const { survey, questions } = await service.getSurvey(db, request.tenant.id, requireUser(request.auth), request.params.code);
    return reply.page(`${VIEWS}/answer.njk`, await answerData(request, survey, questions, { mode: 'paper' }));
  });

  pages.post('/staff/surveys/:code/paper', { schema: { ...hidden, params: CodeParam }, config: STAFF }, async (request, reply) => {
    if (!canManageSurveys(requireUser(request.auth))) throw new AppError('forbidden');
    return postAnswer(request, reply, request.params.code, 'paper');
  });
}
