/**
 * The surveys API's request schemas and field limits (DESIGN.md "surveys"). The finer checks
 * of a survey definition (unique codes, choices by kind, a positive choice on an own scale)
 * are here too, so every problem is reported at once with its path.
 */
import { z } from 'zod';
import { bilingual } from '../../core/validation.ts';
import type { Question, Survey } from './surveys.repository.ts';
import type { SurveyResults } from './surveys.service.ts';

export const LIMITS = {
  code: 64,
  questionCode: 32,
  title: 200,
  text: 500,
  choiceLabel: 100,
  choiceCode: 40,
  choices: 50,
  questions: 100,
  invitationsPerRequest: 10_000,
  textAnswer: 2000,
  attribute: 40,
  area: 60,
  invitation: 64,
} as const;

export const KINDS = ['perception', 'single', 'multiple', 'text', 'number'] as const;
export type Kind = (typeof KINDS)[number];
export const CHOICE_KINDS: ReadonlySet<Kind> = new Set(['perception', 'single', 'multiple']);

const text = (max: number, ja: string, en: string) =>
  z
    .string({ message: bilingual(`${ja}を入力してください`, `Enter the ${en}`) })
    .trim()
    .min(1, { message: bilingual(`${ja}を入力してください`, `Enter the ${en}`) })
    .max(max, { message: bilingual(`${ja}は${max}文字以内で入力してください`, `The ${en} must be at most ${max} characters`) });

const optionalText = (max: number, ja: string, en: string) =>
  z
    .string({ message: bilingual(`${ja}は文字列で入力してください`, `The ${en} must be text`) })
    .trim()
    .max(max, { message: bilingual(`${ja}は${max}文字以内で入力してください`, `The ${en} must be at most ${max} characters`) })
    .nullish()
    .transform((s) => (s ? s : undefined));

const codeText = (max: number, pattern: RegExp, ja: string, en: string) =>
  text(max, ja, en).regex(pattern, {
    message: bilingual(`${ja}は半角英数字・ハイフン・下線で入力してください`, `The ${en} may hold letters, digits, hyphens and underscores only`),
  });

export const SurveyCode = codeText(LIMITS.code, /^[A-Za-z0-9][A-Za-z0-9_-]*$/, '調査コード', 'survey code');
const QuestionCode = codeText(LIMITS.questionCode, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, '設問コード', 'question code');
const ChoiceCode = z.union([z.string(), z.number()]).transform((v) => String(v).trim()).pipe(text(LIMITS.choiceCode, '選択肢コード', 'choice code'));

const ScaleChoice = z.strictObject({
  code: ChoiceCode,
  label: text(LIMITS.choiceLabel, '選択肢の名前', 'choice label'),
  positive: z.boolean().optional(),
  substantive: z.boolean().optional(),
});

const PlainChoice = z.union([
  text(LIMITS.choiceLabel, '選択肢', 'choice'),
  z.strictObject({ code: ChoiceCode, label: text(LIMITS.choiceLabel, '選択肢の名前', 'choice label') }),
]);

export const QuestionSchema = z.strictObject({
  code: QuestionCode,
  kind: z.enum(KINDS, { message: bilingual('設問の種類は perception, single, multiple, text, number のいずれかです', 'The kind is one of perception, single, multiple, text, number') }),
  text: text(LIMITS.text, '設問文', 'question text'),
  required: z.boolean().optional(),
  choices: z.array(PlainChoice).min(1).max(LIMITS.choices).optional(),
  scale: z.strictObject({ choices: z.array(ScaleChoice).min(2).max(LIMITS.choices) }).optional(),
  section: optionalText(64, '政策（節）', 'plan section'),
  indicator: optionalText(64, '指標', 'indicator'),
});
export type QuestionInput = z.output<typeof QuestionSchema>;

const choiceCodeOf = (c: string | { code: string }) => (typeof c === 'string' ? c : c.code);

export const CreateSurveySchema = z
  .strictObject({
    code: SurveyCode,
    title: text(LIMITS.title, '調査名', 'title'),
    fiscalYear: z.number({ message: bilingual('年度は整数で入力してください', 'The fiscal year must be an integer') }).int().min(1990).max(2200),
    population: z.number().int().positive().max(100_000_000).nullish(),
    questions: z.array(QuestionSchema).min(1).max(LIMITS.questions),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.questions.forEach((q, i) => {
      const at = (key: string, ja: string, en: string) => ctx.addIssue({ code: 'custom', path: ['questions', i, key], message: bilingual(ja, en) });
      if (seen.has(q.code)) at('code', `設問コード ${q.code} が重複しています`, `The question code ${q.code} is used twice`);
      seen.add(q.code);
      if (q.kind === 'perception' && q.choices) at('choices', '実感の設問は choices ではなく scale で選択肢を指定します', 'A perception question takes a scale, not choices');
      if (q.kind !== 'perception' && q.scale) at('scale', 'scale は実感の設問だけに指定できます', 'Only a perception question takes a scale');
      if ((q.kind === 'single' || q.kind === 'multiple') && !q.choices) at('choices', '選択肢を指定してください', 'List the choices');
      if ((q.kind === 'text' || q.kind === 'number') && q.choices) at('choices', 'この種類の設問に選択肢は指定できません', 'This kind of question takes no choices');
      if (q.indicator && q.kind !== 'perception') at('indicator', '指標に結び付けられるのは実感の設問だけです', 'Only a perception question can feed an indicator');
      const codes = q.choices?.map(choiceCodeOf) ?? q.scale?.choices.map((c) => c.code) ?? [];
      if (new Set(codes).size !== codes.length) at(q.scale ? 'scale' : 'choices', '選択肢のコードが重複しています', 'Two choices share a code');
      if (q.scale && !q.scale.choices.some((c) => c.positive)) at('scale', '肯定的な選択肢（positive: true）を1つ以上指定してください', 'Mark at least one choice positive');
    });
  });
export type CreateSurveyInput = z.output<typeof CreateSurveySchema>;

export const InvitationsSchema = z.strictObject({
  count: z
    .number({ message: bilingual('発行数は整数で入力してください', 'The count must be an integer') })
    .int()
    .min(1, { message: bilingual('発行数は1以上です', 'The count must be at least 1') })
    .max(LIMITS.invitationsPerRequest, { message: bilingual(`一度に発行できるのは${LIMITS.invitationsPerRequest}件までです`, `At most ${LIMITS.invitationsPerRequest} codes at a time`) }),
});

const AnswerValue = z.union([z.string().max(LIMITS.textAnswer), z.number(), z.array(z.union([z.string().max(LIMITS.choiceCode), z.number()])).max(LIMITS.choices), z.null()]);

export const ResponseSchema = z.strictObject({
  invitation: text(LIMITS.invitation, '回答用コード', 'invitation code'),
  answers: z.record(z.string().max(LIMITS.questionCode), AnswerValue, { message: bilingual('回答を入力してください', 'Give the answers') }),
  attributes: z
    .strictObject({
      sex: optionalText(LIMITS.attribute, '性別', 'sex'),
      ageGroup: optionalText(LIMITS.attribute, '年齢', 'age group'),
      area: optionalText(LIMITS.area, '地区', 'area'),
    })
    .optional(),
  channel: z.enum(['web', 'paper']).optional(),
});
export type ResponseInput = z.output<typeof ResponseSchema>;

export const StrataSchema = z.strictObject({
  cells: z
    .array(z.strictObject({ sex: text(LIMITS.attribute, '性別', 'sex'), ageGroup: text(LIMITS.attribute, '年齢', 'age group'), population: z.number().int().positive() }))
    .max(200),
});

export const EmptySchema = z.strictObject({}).optional();
export const CodeParam = z.object({ code: z.string().max(LIMITS.code) });
export const ImportQuery = z.object({ dryRun: z.enum(['true', 'false']).optional() });
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  fiscalYear: z.coerce.number().int().min(1990).max(2200).optional(),
});

// ---------------------------------------------------------------------------------------------
// Wire shapes


export function surveyItem(s: Survey) {
  return {
    code: s.code,
    title: s.title,
    fiscalYear: s.fiscalYear,
    state: s.state,
    population: s.population,
    invited: s.invited,
    respondents: s.respondents,
    openedOn: s.openedOn,
    closedOn: s.closedOn,
    publishedOn: s.publishedOn,
    demo: s.isDemo,
  };
}

export function questionItem(q: Question) {
  return {
    code: q.code,
    kind: q.kind,
    text: q.text,
    required: q.required,
    section: q.sectionCode,
    indicator: q.indicatorCode,
    scale: q.kind === 'perception' ? (q.ownScale ? 'own' : 'plan') : null,
    choices: q.choices.map((c) => ({ code: c.code, label: c.label, positive: c.positive, substantive: c.substantive })),
  };
}

/** The results as the API answers them: shares as unrounded fractions with their 95 % Wilson interval. */
export function resultsItem(r: SurveyResults) {
  return {
    ...surveyItem(r.survey),
    responseRate: r.responseRate,
    interval: 'wilson-95',
    questions: r.questions.map((q) => ({
      code: q.code,
      kind: q.kind,
      text: q.text,
      section: q.section,
      indicator: q.indicator,
      counts: q.counts,
      unanswered: q.unanswered,
      choices: q.choices,
      positiveShare: q.positiveShare,
      opinionShare: q.opinionShare,
      meanScore: q.meanScore,
      change: q.change,
      weighted: q.weighted,
    })),
  };
}
