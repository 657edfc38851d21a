/** Small pieces the accounts module's pages share: ids from paths, role names, Japan-time timestamps. */
import { AppError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import { accountsText as text, type AccountsMessageKey } from './accounts.messages.ts';
import { IdParams } from './accounts.schema.ts';

/** The :id of a path, or 404 when it is not an id at all. */
export function idOf(params: unknown): string {
  const parsed = IdParams.safeParse(params);
  if (!parsed.success) throw new AppError('not_found');
  return parsed.data.id;
}

/** A role's name in the reader's language. */
export function roleLabel(role: string, lang: Lang): string {
  return text(`accounts.role.${role}` as AccountsMessageKey, lang);
}

const DATE_TIME: Record<Lang, Intl.DateTimeFormat> = {
  ja: new Intl.DateTimeFormat('ja-JP', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }),
  en: new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }),
};

/** Formats timestamps in Japan time for a page (templates call fmt(date)). */
export function formatter(lang: Lang): (d: Date | null | undefined) => string {
  return (d) => (d ? DATE_TIME[lang].format(d) + (lang === 'en' ? ' JST' : '') : '');
}
