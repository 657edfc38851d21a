/** What the monitoring pages show, as plain values for the templates (every text already in the reader's language). */
import { translate, type Lang } from '../../core/i18n.ts';
import { durationText, instantText, percentText } from './monitoring.format.ts';
import type { CurrentState, Figure } from './monitoring.report.ts';
import type { CheckRow, IncidentRow, MaintenanceRow } from './monitoring.repository.ts';
import './monitoring.messages.ts';

/** True when the text is (at least partly) Japanese: English pages mark it lang="ja" (WCAG 3.1.2). */
export function isJapanese(text: string | null | undefined): boolean {
  return !!text && /[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]/.test(text);
}

const BADGE: Record<CurrentState, string> = {
  up: 'badge badge--on-track',
  pending: 'badge badge--b',
  down: 'badge badge--d',
  unknown: 'badge badge--none',
  paused: 'badge badge--none',
  maintenance: 'badge badge--c',
};

export interface StateView {
  key: CurrentState;
  label: string;
  badge: string;
}

export function stateView(state: CurrentState, lang: Lang): StateView {
  return { key: state, label: translate(lang, `monitoring.state.${state}`), badge: BADGE[state] };
}

export interface FigureView {
  percent: string;
  down: string;
  unknown: string;
  maintenance: string;
  coverage: string;
  demo: boolean;
}

export function figureView(f: Figure, lang: Lang): FigureView {
  return {
    percent: percentText(f.availability, lang),
    down: durationText(f.tally.downMs, lang),
    unknown: durationText(f.tally.unknownMs, lang),
    maintenance: durationText(f.tally.maintenanceMs, lang),
    coverage: f.coverage === null ? '—' : percentText(Math.floor(f.coverage * 10_000) / 100, lang),
    demo: f.demo,
  };
}

export interface IncidentView {
  id: string;
  publicHref: string;
  staffHref: string;
  system: string;
  systemJa: boolean;
  status: string;
  statusKey: IncidentRow['status'];
  started: string;
  ended: string | null;
  duration: string;
  spells: number;
  cause: string | null;
  action: string | null;
  causeJa: boolean;
  actionJa: boolean;
  published: boolean;
  firstDetail: string | null;
  lastDetail: string | null;
  failures: number;
  demo: boolean;
  updated: Date;
}

/** An incident; `now` gives the running duration of a live one. */
export function incidentView(i: IncidentRow, lang: Lang, now: Date, view: 'public' | 'staff'): IncidentView {
  const shown = view === 'staff' || i.published_at !== null;
  const end = i.ended_at ?? now;
  return {
    id: i.id,
    publicHref: `/status/incidents/${i.id}`,
    staffHref: `/staff/monitoring/incidents/${i.id}`,
    system: i.check_name,
    systemJa: isJapanese(i.check_name),
    status: translate(lang, `monitoring.incident.${i.status}`),
    statusKey: i.status,
    started: instantText(i.started_at, lang),
    ended: i.ended_at ? instantText(i.ended_at, lang) : null,
    duration: durationText(end.getTime() - i.started_at.getTime(), lang),
    spells: i.spells,
    cause: shown ? i.cause : null,
    action: shown ? i.action : null,
    causeJa: shown && isJapanese(i.cause),
    actionJa: shown && isJapanese(i.action),
    published: i.published_at !== null,
    firstDetail: view === 'staff' ? i.first_detail : null,
    lastDetail: view === 'staff' ? i.last_detail : null,
    failures: i.failures,
    demo: i.is_demo,
    updated: [i.published_at, i.closed_at, i.ended_at, i.started_at].filter((d): d is Date => d !== null).reduce((a, b) => (a > b ? a : b)),
  };
}

export interface MaintenanceView {
  id: string;
  start: string;
  end: string;
  reason: string;
  reasonJa: boolean;
  systems: string;
  systemsJa: boolean;
  status: string;
  statusKey: 'upcoming' | 'active' | 'over' | 'cancelled';
  stoppable: boolean;
  demo: boolean;
}

export function maintenanceView(m: MaintenanceRow, names: ReadonlyMap<string, string>, now: Date, lang: Lang): MaintenanceView {
  const statusKey = m.cancelled_at ? 'cancelled' : m.starts_at > now ? 'upcoming' : m.ends_at > now ? 'active' : 'over';
  const listed = m.check_ids.map((id) => names.get(id)).filter((n): n is string => n !== undefined);
  const systems = m.all_systems ? translate(lang, 'monitoring.maintenance.allSystems') : listed.join(lang === 'ja' ? '、' : ', ');
  return {
    id: m.id,
    start: instantText(m.starts_at, lang),
    end: instantText(m.ends_at, lang),
    reason: m.reason,
    reasonJa: isJapanese(m.reason),
    systems,
    systemsJa: !m.all_systems && isJapanese(systems),
    status: translate(lang, `monitoring.maintenance.status.${statusKey}`),
    statusKey,
    stoppable: statusKey === 'upcoming' || statusKey === 'active',
    demo: m.is_demo,
  };
}

export interface CheckView {
  id: string;
  href: string;
  name: string;
  nameJa: boolean;
  kind: string;
  url: string;
  /** The URL cut after each / . ? & = : so a long one can wrap on a phone (<wbr> between). */
  urlParts: string[];
  method: string;
  expected: string;
  keyword: string | null;
  interval: string;
  timeout: string;
  retries: number;
  tlsMinDays: number | null;
  counted: boolean;
  published: boolean;
  active: boolean;
  self: boolean;
  demo: boolean;
  department: string | null;
  state: StateView;
  lastChecked: string | null;
  lastDetail: string | null;
}

export function checkView(c: CheckRow, url: string, state: CurrentState, lang: Lang): CheckView {
  return {
    id: c.id,
    href: `/admin/monitoring/checks/${c.id}`,
    name: c.name,
    nameJa: isJapanese(c.name),
    kind: translate(lang, `monitoring.kind.${c.kind}`),
    url,
    urlParts: url.split(/(?<=[/.?&=:])/),
    method: c.method,
    expected: c.kind !== 'http' ? '—' : c.expected_status !== null ? String(c.expected_status) : '2xx',
    keyword: c.keyword,
    interval: durationText(c.interval_seconds * 1000, lang),
    timeout: durationText(c.timeout_ms, lang),
    retries: c.retries,
    tlsMinDays: c.tls_min_days,
    counted: c.counted,
    published: c.published,
    active: c.active,
    self: c.is_self,
    demo: c.is_demo,
    department: c.department_code ? ((lang === 'ja' ? c.department_name_ja : c.department_name_en) ?? c.department_code) : null,
    state: stateView(state, lang),
    lastChecked: c.last_checked_at ? instantText(c.last_checked_at, lang) : null,
    lastDetail: c.last_detail,
  };
}
