/** Request schemas of the series. */
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.ts';
import { bilingual } from '../../core/validation.ts';

export const NameParam = z.object({ name: z.string().max(40) });
export const IdParam = z.object({ id: z.string().max(64) });

/** POST /api/v1/series/{name}/values */
export const ValueSchema = z.strictObject({
  value: z.coerce.number({ message: bilingual('数値で指定してください', 'Use a number') }),
  asOf: z.string().refine(isIsoDate, { message: bilingual('基準日は YYYY-MM-DD で指定してください', 'Use a date YYYY-MM-DD') }),
  note: z.string().max(500, { message: bilingual('備考は500文字以内です', 'At most 500 characters') }).optional(),
  /** 出典 — where the figure comes from. */
  source: z.string().max(300, { message: bilingual('出典は300文字以内です', 'At most 300 characters') }).optional(),
});

export const RejectSchema = z.strictObject({
  reason: z.string().trim().min(1, { message: bilingual('差し戻しの理由を入力してください', 'Give a reason') }).max(500, { message: bilingual('500文字以内です', 'At most 500 characters') }),
});

export const EmptySchema = z.strictObject({}).optional();
