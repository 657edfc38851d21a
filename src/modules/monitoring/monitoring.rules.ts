/**
 * Rules between the fields of a check and of a maintenance window, pure and shared by the API
 * and the forms: every problem at once, in the reader's language.
 */
import type { FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { CheckFields } from './monitoring.repository.ts';
import { LIMITS, type CreateCheckInput } from './monitoring.schema.ts';
import './monitoring.messages.ts';

/** Days of certificate life a TLS check asks for unless told otherwise. */
export const DEFAULT_TLS_DAYS = 14;

/** A check's fields with the defaults filled in. */
export function checkFieldsOf(input: CreateCheckInput): CheckFields {
  const kind = input.kind ?? 'http';
  return {
    name: input.name,
    kind,
    url: input.url,
    method: input.method ?? 'GET',
    expectedStatus: input.expectedStatus ?? null,
    keyword: input.keyword ?? null,
    intervalSeconds: input.intervalSeconds,
    timeoutMs: input.timeoutMs,
    retries: input.retries ?? 0,
    tlsMinDays: kind === 'tls' ? (input.tlsMinDays ?? DEFAULT_TLS_DAYS) : null,
    counted: input.counted,
    published: input.published ?? false,
    departmentCode: input.department ?? null,
    active: input.active ?? true,
  };
}

/** Problems between a check's fields (the shape and bounds are the schema's). */
export function checkProblems(f: CheckFields, lang: Lang): FieldError[] {
  const errors: FieldError[] = [];
  const say = (path: string, key: string, params?: Record<string, string | number>) => errors.push({ path, message: translate(lang, key, params) });
  let url: URL | null = null;
  try {
    url = new URL(f.url);
  } catch {
    say('url', 'monitoring.error.url');
  }
  if (url) {
    const protocols = f.kind === 'http' ? ['http:', 'https:'] : f.kind === 'tcp' ? ['tcp:'] : ['https:', 'tls:'];
    if (!protocols.includes(url.protocol)) say('url', `monitoring.error.url.${f.kind}`);
    else if (!url.hostname) say('url', 'monitoring.error.url');
    else if (url.username || url.password) say('url', 'monitoring.error.urlCredentials');
    else if ((f.kind === 'tcp' || (f.kind === 'tls' && url.protocol === 'tls:')) && !url.port) say('url', 'monitoring.error.urlPort');
  }
  if (f.kind !== 'http') {
    if (f.expectedStatus !== null) say('expectedStatus', 'monitoring.error.httpOnly');
    if (f.keyword !== null) say('keyword', 'monitoring.error.httpOnly');
  } else if (f.keyword !== null && f.method === 'HEAD') say('keyword', 'monitoring.error.keywordHead');
  if (f.timeoutMs > f.intervalSeconds * 1000) say('timeoutMs', 'monitoring.error.timeoutLonger');
  return errors;
}

const DAY_MS = 86_400_000;

/**
 * Problems with a planned window: it must end after it starts, last at most 31 days, and be
 * announced before it starts (a minute's grace for the form) — a window entered afterwards
 * would erase an outage from the figures — and not more than two years ahead.
 */
export function maintenanceProblems(start: Date, end: Date, now: Date, lang: Lang): FieldError[] {
  const errors: FieldError[] = [];
  const say = (path: string, key: string, params?: Record<string, string | number>) => errors.push({ path, message: translate(lang, key, params) });
  if (start.getTime() < now.getTime() - 60_000) say('start', 'monitoring.error.startPast');
  else if (start.getTime() > now.getTime() + 731 * DAY_MS) say('start', 'monitoring.error.startFar');
  if (end.getTime() <= start.getTime()) say('end', 'monitoring.error.endBeforeStart');
  else if (end.getTime() - start.getTime() > LIMITS.maxWindowDays * DAY_MS) say('end', 'monitoring.error.windowLong', { days: LIMITS.maxWindowDays });
  return errors;
}

/** An ISO instant; without an offset it is read as Japan time. */
export function parseInstant(text: string): Date | null {
  const s = text.trim();
  const withZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}+09:00`;
  const ms = Date.parse(withZone);
  return Number.isFinite(ms) ? new Date(ms) : null;
}
