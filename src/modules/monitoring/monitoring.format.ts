/** How the monitoring pages, mails and feed write instants, durations and percentages (JST). */
import type { Lang } from '../../core/i18n.ts';
import { formatDateEn, formatJapaneseDate } from '../../core/dates.ts';
import { jstDateOf } from './monitoring.availability.ts';

const TIME_JST = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const PERCENT = {
  ja: new Intl.NumberFormat('ja-JP', { minimumFractionDigits: 2, maximumFractionDigits: 4 }),
  en: new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 4 }),
};

/** An instant in Japan time: 令和8年12月1日 22:46 / 1 December 2026, 22:46 JST. */
export function instantText(at: Date, lang: Lang): string {
  const date = jstDateOf(at.getTime());
  const time = TIME_JST.format(at);
  return lang === 'ja' ? `${formatJapaneseDate(date)} ${time}` : `${formatDateEn(date)}, ${time} JST`;
}

/** A JST calendar date in the reader's calendar. */
export function dateText(iso: string, lang: Lang): string {
  return lang === 'ja' ? formatJapaneseDate(iso) : formatDateEn(iso);
}

/** A duration: 1時間5分 / 1 h 5 min; under a minute in seconds. */
export function durationText(ms: number, lang: Lang): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  if (totalSeconds < 60) return lang === 'ja' ? `${totalSeconds}秒` : `${totalSeconds} s`;
  const minutes = Math.round(totalSeconds / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (lang === 'ja') {
    if (days) parts.push(`${days}日`);
    if (hours) parts.push(`${hours}時間`);
    if (mins || parts.length === 0) parts.push(`${mins}分`);
    return parts.join('');
  }
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (mins || parts.length === 0) parts.push(`${mins} min`);
  return parts.join(' ');
}

/** A percentage such as 99.9876 %, or a dash. */
export function percentText(value: number | null, lang: Lang): string {
  if (value === null) return '—';
  return `${PERCENT[lang].format(value)}%`;
}
