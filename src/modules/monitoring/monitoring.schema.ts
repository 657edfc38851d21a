/**
 * The monitoring API's request schemas (shape and bounds; the rules between fields are in
 * monitoring.rules.ts, shared with the forms) and its wire shapes.
 */
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.ts';
import { DEPARTMENT_CODE_RE } from '../../core/tenancy.ts';
import { bilingual } from '../../core/validation.ts';
import type { CheckRow, IncidentRow, MaintenanceRow } from './monitoring.repository.ts';
import type { CurrentState, Figure } from './monitoring.report.ts';

/** Field limits shared by the API and the forms. */
export const LIMITS = {
  name: 100,
  url: 2000,
  keyword: 200,
  reason: 500,
  note: 2000,
  minInterval: 10,
  maxInterval: 86_400,
  minTimeout: 100,
  maxTimeout: 60_000,
  maxRetries: 10,
  maxTlsDays: 365,
  maxSystems: 100,
  maxWindowDays: 31,
} as const;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** The fields of a check (create: required as marked; update: any of them). */
const CheckShape = z.strictObject({
  /** Shown on the status page. */
  name: z.string().trim().min(1).max(LIMITS.name),
  /** http: status (and keyword); tcp: a connection; tls: the certificate's days left. */
  kind: z.enum(['http', 'tcp', 'tls']).optional(),
  /** https://…, http://…; tcp://host:port; https://host[:port] or tls://host:port. */
  url: z.string().trim().min(1).max(LIMITS.url),
  method: z.enum(['GET', 'HEAD']).optional(),
  /** The status that means up (default: any 2xx). */
  expectedStatus: int(100, 599).nullable().optional(),
  /** Text the response body must contain (GET only). */
  keyword: z.string().trim().min(1).max(LIMITS.keyword).nullable().optional(),
  intervalSeconds: int(LIMITS.minInterval, LIMITS.maxInterval),
  timeoutMs: int(LIMITS.minTimeout, LIMITS.maxTimeout),
  /** Failed tries in a row forgiven before a failure counts. */
  retries: int(0, LIMITS.maxRetries).optional(),
  /** tls: the fewest days the certificate may have left. */
  tlsMinDays: int(1, LIMITS.maxTlsDays).nullable().optional(),
  /** Part of the city's systems for indicator 6-3-2. */
  counted: z.boolean(),
  /** Shown on the public status page. */
  published: z.boolean().optional(),
  /** 担当課: its staff may annotate the check's incidents. */
  department: z.string().regex(DEPARTMENT_CODE_RE).nullable().optional(),
  /** False pauses the check. */
  active: z.boolean().optional(),
});

export const CreateCheckSchema = CheckShape;
export type CreateCheckInput = z.infer<typeof CreateCheckSchema>;
export const UpdateCheckSchema = CheckShape.partial();
export type UpdateCheckInput = z.infer<typeof UpdateCheckSchema>;

/** An instant: ISO 8601 with an offset (or none: Japan time). */
const Instant = z.string().max(40).pipe(
  z.iso.datetime({ offset: true, local: true, message: bilingual('日時は ISO 8601 形式（例 2026-12-10T22:00:00+09:00）で入力してください', 'Use an ISO 8601 date and time, e.g. 2026-12-10T22:00:00+09:00') }),
);

/** 計画メンテナンス — a planned window; without systems it covers every system. */
export const MaintenanceSchema = z.strictObject({
  start: Instant,
  end: Instant,
  reason: z.string().trim().min(1).max(LIMITS.reason),
  systems: z.array(z.uuid()).max(LIMITS.maxSystems).optional(),
});
export type MaintenanceInput = z.infer<typeof MaintenanceSchema>;

/** Staff's note on an incident (原因・対応) and whether it is public. */
export const AnnotationSchema = z.strictObject({
  cause: z.string().trim().max(LIMITS.note).nullable().optional(),
  action: z.string().trim().max(LIMITS.note).nullable().optional(),
  published: z.boolean().optional(),
});
export type AnnotationInput = z.infer<typeof AnnotationSchema>;

const IsoDate = z.string().refine((s) => isIsoDate(s) && s >= '2000-01-01' && s <= '2200-12-31', {
  message: bilingual('日付は YYYY-MM-DD 形式の実在する日付で入力してください', 'Use a real date as YYYY-MM-DD'),
});

/** ?from=&to= (JST days, both included), ?check= one system, ?by= a breakdown. */
export const AvailabilityQuery = z.object({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  check: z.uuid().optional(),
  by: z.enum(['day', 'month', 'fiscalYear']).optional(),
});
export type AvailabilityQueryInput = z.infer<typeof AvailabilityQuery>;

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const IncidentListQuery = ListQuery.extend({
  status: z.enum(['live', 'closed', 'unannotated']).optional(),
});

export const IdParam = z.object({ id: z.uuid() });

// ---------------------------------------------------------------------------------------------
// Wire shapes


const iso = (d: Date | null) => (d ? d.toISOString() : null);
const seconds = (ms: number) => Math.round(ms / 1000);

/** A check as administrators read it (`url` is what the runner calls). */
export function checkItem(c: CheckRow, effectiveUrl: string, state: CurrentState) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    url: effectiveUrl,
    method: c.method,
    expectedStatus: c.expected_status,
    keyword: c.keyword,
    intervalSeconds: c.interval_seconds,
    timeoutMs: c.timeout_ms,
    retries: c.retries,
    tlsMinDays: c.tls_min_days,
    counted: c.counted,
    published: c.published,
    department: c.department_code,
    active: c.active,
    self: c.is_self,
    demo: c.is_demo,
    state,
    lastCheckedAt: iso(c.last_checked_at),
    lastDetail: c.last_detail,
    createdAt: iso(c.created_at),
  };
}

/** Seconds of each kind and the percentage. */
export function figureItem(f: Figure) {
  return {
    availability: f.availability,
    upSeconds: seconds(f.tally.upMs),
    downSeconds: seconds(f.tally.downMs),
    unknownSeconds: seconds(f.tally.unknownMs),
    maintenanceSeconds: seconds(f.tally.maintenanceMs),
    coverage: f.coverage,
    demo: f.demo,
  };
}

/** An incident; staff see the failing detail, the public sees the cause and action once published. */
export function incidentItem(i: IncidentRow, view: 'public' | 'staff') {
  const shown = view === 'staff' || i.published_at !== null;
  return {
    id: i.id,
    system: { id: i.check_id, name: i.check_name },
    status: i.status,
    startedAt: iso(i.started_at),
    endedAt: iso(i.ended_at),
    closedAt: iso(i.closed_at),
    durationSeconds: i.ended_at ? seconds(i.ended_at.getTime() - i.started_at.getTime()) : null,
    spells: i.spells,
    cause: shown ? i.cause : null,
    action: shown ? i.action : null,
    published: i.published_at !== null,
    publishedAt: iso(i.published_at),
    demo: i.is_demo,
    ...(view === 'staff' ? { failures: i.failures, firstDetail: i.first_detail, lastDetail: i.last_detail, annotatedAt: iso(i.annotated_at) } : {}),
  };
}

/** A maintenance window with the names of the systems it covers. */
export function maintenanceItem(m: MaintenanceRow, names: ReadonlyMap<string, string>, now: Date) {
  const status = m.cancelled_at ? 'cancelled' : m.starts_at > now ? 'upcoming' : m.ends_at > now ? 'active' : 'over';
  return {
    id: m.id,
    start: m.starts_at.toISOString(),
    end: m.ends_at.toISOString(),
    reason: m.reason,
    allSystems: m.all_systems,
    systems: m.check_ids.filter((id) => names.has(id)).map((id) => ({ id, name: names.get(id)! })),
    status,
    demo: m.is_demo,
  };
}
