/**
 * The plan exchange document (DESIGN.md "Contracts") and the API's request schemas. The
 * document is checked in two passes, shape then meaning, and every problem from both is
 * reported at once with its path.
 */
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.ts';
import { bilingual, optionalText, type FieldName } from '../../core/validation.ts';

/** Field limits shared by the API and the forms. */
export const LIMITS = {
  code: 64,
  title: 200,
  text: 4000,
  note: 1000,
  unit: 20,
  label: 60,
  listItems: 50,
} as const;

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * English beside the Japanese (issue 14): every plan text may carry an optional English
 * translation in a field named like it with `En` (`title` → `titleEn`). Absent or blank: not
 * translated, and English pages show the Japanese text marked lang="ja". Messages name the
 * field in both languages.
 */
const english = (max: number, name: FieldName) => optionalText(max, name).optional();

/**
 * The English of a list of texts (`visions` → `visionsEn`), paired with it by position; a
 * null or blank entry leaves that item untranslated. Never longer than its Japanese list.
 */
const englishList = (max: number, name: FieldName) =>
  z
    .array(
      z
        .string({ message: bilingual(`${name.ja}は文字列か null で入力してください`, `Each ${name.en} must be text or null`) })
        .trim()
        .max(max, { message: bilingual(`${name.ja}は${max}文字以内で入力してください`, `The ${name.en} must be at most ${max} characters`) })
        .nullable()
        .transform((s) => (s ? s : null)),
    )
    .max(LIMITS.listItems)
    .optional();

/** The fields' names in both languages, for the messages of their English texts. */
const EN_NAMES = {
  planTitle: { ja: '計画の名称（英語）', en: 'English plan title' },
  chapterTitle: { ja: '章の名称（英語）', en: 'English chapter title' },
  sectionTitle: { ja: '節の名称（英語）', en: 'English section title' },
  visions: { ja: '目指すまちの姿（英語）', en: 'English vision' },
  issues: { ja: '現状と課題（英語）', en: 'English issue' },
  directions: { ja: '施策の方向（英語）', en: 'English direction' },
  term: { ja: '用語（英語）', en: 'English term' },
  definition: { ja: '用語の説明（英語）', en: 'English definition' },
  perception: { ja: '市民の実感の設問（英語）', en: 'English perception question' },
  measureTitle: { ja: '施策の名称（英語）', en: 'English measure title' },
  indicatorName: { ja: '指標名（英語）', en: 'English indicator name' },
  nameNote: { ja: '指標名の補足（英語）', en: 'English name note' },
  description: { ja: '指標の説明（英語）', en: 'English description' },
  unit: { ja: '単位（英語）', en: 'English unit' },
  label: { ja: '計画での表記（英語）', en: 'English notation' },
} as const satisfies Record<string, FieldName>;

/** An ISO calendar date, YYYY-MM-DD. */
export const IsoDateSchema = z
  .string()
  .refine((s) => isIsoDate(s) && s >= '1900-01-01' && s <= '2200-12-31', {
    message: bilingual('日付は1900年から2200年までの実在する日付を YYYY-MM-DD 形式で入力してください', 'Use a real date between 1900 and 2200 as YYYY-MM-DD'),
  });

const FiscalYear = z.number().int().min(1900).max(2200);

/** 基準値 — a baseline value with its date and the plan's own notation. */
export const ObservationSchema = z.strictObject({
  value: z.number().finite(),
  asOf: IsoDateSchema,
  label: z.string().max(LIMITS.label).optional(),
  labelEn: english(LIMITS.label, EN_NAMES.label),
});

/** 目標値 — due at the end of a fiscal year, or on a date. */
export const TargetSchema = z
  .strictObject({
    value: z.number().finite(),
    fiscalYear: FiscalYear.optional(),
    date: IsoDateSchema.optional(),
    label: z.string().max(LIMITS.label).optional(),
    labelEn: english(LIMITS.label, EN_NAMES.label),
  })
  .refine((t) => (t.fiscalYear === undefined) !== (t.date === undefined), {
    message: bilingual('目標には fiscalYear か date のどちらか一方を指定してください', 'A target needs exactly one of fiscalYear or date'),
  });

/** 実績値 — one actual value. */
export const ActualSchema = z.strictObject({
  value: z.number().finite(),
  asOf: IsoDateSchema,
  note: z.string().max(LIMITS.note).optional(),
});

export const SourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('manual') }),
  z.strictObject({
    kind: z.literal('metric'),
    /** A metric some module declares (checked against the platform's registry on import). */
    metric: z.string().regex(/^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/, { message: bilingual('不明な指標ソースです', 'Unknown metric') }),
  }),
]);

export const IndicatorSchema = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, {
    message: bilingual('コードは英数字・ハイフン等32文字以内です', 'Codes are up to 32 letters, digits, dots, hyphens'),
  }),
  name: text(LIMITS.title),
  nameEn: english(LIMITS.title, EN_NAMES.indicatorName),
  nameNote: text(LIMITS.title).optional(),
  nameNoteEn: english(LIMITS.title, EN_NAMES.nameNote),
  unit: z.string().trim().max(LIMITS.unit),
  unitEn: english(LIMITS.unit, EN_NAMES.unit),
  /** Decimal places the plan writes the values with (38.0 % → 1); the number 38.0 cannot say so itself. */
  decimals: z.number().int().min(0).max(6).optional(),
  direction: z.enum(['increase', 'decrease', 'at_most_baseline']),
  description: z.string().max(LIMITS.text).optional(),
  descriptionEn: english(LIMITS.text, EN_NAMES.description),
  department: z.string().max(40).optional(),
  baseline: ObservationSchema.nullable().optional(),
  target: TargetSchema,
  source: SourceSchema.optional(),
  actuals: z.array(ActualSchema).max(500).default([]),
});

export const SectionSchema = z.strictObject({
  code: text(LIMITS.code),
  title: text(LIMITS.title),
  titleEn: english(LIMITS.title, EN_NAMES.sectionTitle),
  visions: z.array(text(LIMITS.text)).max(LIMITS.listItems).default([]),
  visionsEn: englishList(LIMITS.text, EN_NAMES.visions),
  issues: z.array(text(LIMITS.text)).max(LIMITS.listItems).default([]),
  issuesEn: englishList(LIMITS.text, EN_NAMES.issues),
  directions: z.array(text(LIMITS.text)).max(LIMITS.listItems).default([]),
  directionsEn: englishList(LIMITS.text, EN_NAMES.directions),
  glossary: z
    .array(
      z.strictObject({
        marker: z.string().max(8).optional(),
        term: text(LIMITS.title),
        termEn: english(LIMITS.title, EN_NAMES.term),
        definition: text(LIMITS.text),
        definitionEn: english(LIMITS.text, EN_NAMES.definition),
      }),
    )
    .max(LIMITS.listItems)
    .default([]),
  perceptionQuestion: z
    .strictObject({ code: text(LIMITS.code), text: text(LIMITS.text), textEn: english(LIMITS.text, EN_NAMES.perception) })
    .optional(),
  measures: z
    .array(
      z.strictObject({
        code: text(LIMITS.code),
        title: text(LIMITS.title),
        titleEn: english(LIMITS.title, EN_NAMES.measureTitle),
        department: z.string().max(40).optional(),
      }),
    )
    .max(LIMITS.listItems)
    .optional(),
  indicators: z.array(IndicatorSchema).max(100).default([]),
});

export const PlanDocumentSchema = z
  .strictObject({
    code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      message: bilingual('計画コードは英数字・ハイフン等64文字以内です', 'Plan codes are up to 64 letters, digits, dots, hyphens'),
    }),
    title: text(LIMITS.title),
    titleEn: english(LIMITS.title, EN_NAMES.planTitle),
    current: z.boolean().default(false),
    period: z.strictObject({ startFiscalYear: FiscalYear, endFiscalYear: FiscalYear }),
    chapters: z
      .array(
        z.strictObject({
          code: text(LIMITS.code),
          title: text(LIMITS.title),
          titleEn: english(LIMITS.title, EN_NAMES.chapterTitle),
          sections: z.array(SectionSchema).min(1).max(50),
        }),
      )
      .min(1)
      .max(50),
  })
  .superRefine((plan, ctx) => {
    const issue = (path: (string | number)[], ja: string, en: string) =>
      ctx.addIssue({ code: 'custom', path, message: bilingual(ja, en) });
    if (plan.period.endFiscalYear < plan.period.startFiscalYear) {
      issue(['period', 'endFiscalYear'], '終了年度は開始年度以降にしてください', 'The end fiscal year must not precede the start');
    }
    const chapterCodes = new Set<string>();
    const sectionCodes = new Set<string>();
    const indicatorCodes = new Set<string>();
    plan.chapters.forEach((chapter, ci) => {
      if (chapterCodes.has(chapter.code)) issue(['chapters', ci, 'code'], `章コード ${chapter.code} が重複しています`, `Duplicate chapter code ${chapter.code}`);
      chapterCodes.add(chapter.code);
      chapter.sections.forEach((section, si) => {
        const sp = ['chapters', ci, 'sections', si];
        if (sectionCodes.has(section.code)) issue([...sp, 'code'], `節コード ${section.code} が重複しています`, `Duplicate section code ${section.code}`);
        sectionCodes.add(section.code);
        for (const list of ['visions', 'issues', 'directions'] as const) {
          const en = section[`${list}En`];
          if (en && en.length > section[list].length) {
            const name = EN_NAMES[list];
            issue(
              [...sp, `${list}En`],
              `${name.ja}は日本語の項目（${section[list].length}項目）より多くは書けません`,
              `There are more ${name.en} texts than Japanese ones (${section[list].length})`,
            );
          }
        }
        section.indicators.forEach((ind, ii) => {
          const ip = [...sp, 'indicators', ii];
          if (indicatorCodes.has(ind.code)) issue([...ip, 'code'], `指標コード ${ind.code} が重複しています`, `Duplicate indicator code ${ind.code}`);
          indicatorCodes.add(ind.code);
          if (ind.source?.kind === 'metric' && ind.source.metric === 'plan.averageAchievement' && ind.actuals.length > 0) {
            issue([...ip, 'actuals'], 'この指標は計画の他の指標から自動で計算されるため、実績値は取り込めません', 'This indicator is computed from the plan’s other indicators; it takes no actuals');
          }
          if (ind.direction === 'at_most_baseline' && !ind.baseline) {
            issue([...ip, 'baseline'], '「現状値以下」の指標には基準値が必要です', 'An at-most-baseline indicator needs a baseline');
          }
          const seen = new Set<string>();
          ind.actuals.forEach((a, ai) => {
            if (seen.has(a.asOf)) issue([...ip, 'actuals', ai, 'asOf'], `同じ日付 ${a.asOf} の実績が重複しています`, `Two actuals for ${a.asOf}`);
            seen.add(a.asOf);
          });
        });
      });
    });
  });

export type PlanDocument = z.output<typeof PlanDocumentSchema>;

/** Body of POST /api/v1/indicators/{code}/actuals. */
export const RecordActualSchema = z.strictObject({
  value: z.number().finite(),
  asOf: IsoDateSchema,
  note: z.string().trim().max(LIMITS.note).optional(),
});

/** Body of POST /api/v1/indicators/{code}/actuals/{id}/reject: the reason reaches the author. */
export const RejectActualSchema = z.strictObject({
  reason: z
    .string({ message: bilingual('差し戻す理由を入力してください', 'Give the reason for rejecting') })
    .trim()
    .min(1, { message: bilingual('差し戻す理由を入力してください', 'Give the reason for rejecting') })
    .max(LIMITS.note, { message: bilingual(`理由は${LIMITS.note}文字以内で入力してください`, `The reason must be at most ${LIMITS.note} characters`) }),
});

// ---- API response shapes (OpenAPI) ----

export const IndicatorItemSchema = z.object({
  code: z.string(),
  name: z.string(),
  /** 指標名（英語） — the English name, null when not translated. */
  nameEn: z.string().nullable(),
  unit: z.string(),
  /** The English unit as the plan gives it, null when not given. */
  unitEn: z.string().nullable(),
  /** Decimal places the values are written with (null: as the baseline and target are written). */
  decimals: z.number().nullable(),
  direction: z.enum(['increase', 'decrease', 'at_most_baseline']),
  sectionCode: z.string(),
  /** 担当課 — the responsible department's code. */
  department: z.string().nullable(),
  baseline: z.object({ value: z.number(), asOf: z.string(), label: z.string().optional() }).nullable(),
  target: z.object({ value: z.number(), fiscalYear: z.number().optional(), date: z.string().optional(), dueDate: z.string() }),
  /** demo: the latest value is demonstration data. */
  latest: z.object({ value: z.number(), asOf: z.string(), demo: z.boolean() }).nullable(),
  achievement: z.object({ rate: z.number(), clampedRate: z.number(), grade: z.enum(['S', 'A', 'B', 'C', 'D']) }).nullable(),
  onTrack: z.boolean().nullable(),
  projection: z.number().nullable(),
  source: z.union([z.object({ kind: z.literal('manual') }), z.object({ kind: z.literal('metric'), metric: z.string() })]),
});

export const IndicatorListSchema = z.object({
  plan: z.object({ code: z.string(), title: z.string(), titleEn: z.string().nullable() }),
  items: z.array(IndicatorItemSchema),
});
