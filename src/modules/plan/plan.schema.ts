/**
 * The plan exchange document (DESIGN.md "Contracts") and the API's request schemas. The
 * document is checked in two passes, shape then meaning, and every problem from both is
 * reported at once with its path.
 */
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.ts';
import { bilingual } from '../../core/validation.ts';

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
});

/** 目標値 — due at the end of a fiscal year, or on a date. */
export const TargetSchema = z
  .strictObject({
    value: z.number().finite(),
    fiscalYear: FiscalYear.optional(),
    date: IsoDateSchema.optional(),
    label: z.string().max(LIMITS.label).optional(),
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
  nameNote: text(LIMITS.title).optional(),
  unit: z.string().trim().max(LIMITS.unit),
  /** Decimal places the plan writes the values with (38.0 % → 1); the number 38.0 cannot say so itself. */
  decimals: z.number().int().min(0).max(6).optional(),
  direction: z.enum(['increase', 'decrease', 'at_most_baseline']),
  description: z.string().max(LIMITS.text).optional(),
  department: z.string().max(40).optional(),
  baseline: ObservationSchema.nullable().optional(),
  target: TargetSchema,
  source: SourceSchema.optional(),
  actuals: z.array(ActualSchema).max(500).default([]),
});

export const SectionSchema = z.strictObject({
  code: text(LIMITS.code),
  title: text(LIMITS.title),
  visions: z.array(text(LIMITS.text)).max(LIMITS.listItems).default([]),
  issues: z.array(text(LIMITS.text)).max(LIMITS.listItems).default([]),
  directions: z.array(text(LIMITS.text)).max(LIMITS.listItems).default([]),
  glossary: z
    .array(z.strictObject({ marker: z.string().max(8).optional(), term: text(LIMITS.title), definition: text(LIMITS.text) }))
    .max(LIMITS.listItems)
    .default([]),
  perceptionQuestion: z.strictObject({ code: text(LIMITS.code), text: text(LIMITS.text) }).optional(),
  measures: z
    .array(z.strictObject({ code: text(LIMITS.code), title: text(LIMITS.title), department: z.string().max(40).optional() }))
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
    current: z.boolean().default(false),
    period: z.strictObject({ startFiscalYear: FiscalYear, endFiscalYear: FiscalYear }),
    chapters: z
      .array(z.strictObject({ code: text(LIMITS.code), title: text(LIMITS.title), sections: z.array(SectionSchema).min(1).max(50) }))
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
  unit: z.string(),
  /** Decimal places the values are written with (null: as the baseline and target are written). */
  decimals: z.number().nullable(),
  direction: z.enum(['increase', 'decrease', 'at_most_baseline']),
  sectionCode: z.string(),
  /** 担当課 — the responsible department's code. */
  department: z.string().nullable(),
  baseline: z.object({ value: z.number(), asOf: z.string(), label: z.string().optional() }).nullable(),
  target: z.object({ value: z.number(), fiscalYear: z.number().optional(), date: z.string().optional(), dueDate: z.string() }),
  latest: z.object({ value: z.number(), asOf: z.string() }).nullable(),
  achievement: z.object({ rate: z.number(), clampedRate: z.number(), grade: z.enum(['S', 'A', 'B', 'C', 'D']) }).nullable(),
  onTrack: z.boolean().nullable(),
  projection: z.number().nullable(),
  source: z.union([z.object({ kind: z.literal('manual') }), z.object({ kind: z.literal('metric'), metric: z.string() })]),
});

export const IndicatorListSchema = z.object({ plan: z.object({ code: z.string(), title: z.string() }), items: z.array(IndicatorItemSchema) });
