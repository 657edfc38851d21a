/**
 * 可用性監視 — availability monitoring: checks, their timeline of states (the downsampled,
 * lossless record availability is computed from), raw results kept for a while, hourly
 * rollups of the raw results, incidents, planned maintenance windows, and a per-tenant note
 * of when the public figures last changed.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table monitoring_checks (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  kind text not null default 'http' check (kind in ('http', 'tcp', 'tls')),
  url text not null check (length(url) between 1 and 2000),
  method text not null default 'GET' check (method in ('GET', 'HEAD')),
  expected_status integer check (expected_status between 100 and 599),
  keyword text check (length(keyword) between 1 and 200),
  interval_seconds integer not null check (interval_seconds between 10 and 86400),
  timeout_ms integer not null check (timeout_ms between 100 and 60000),
  retries integer not null default 0 check (retries between 0 and 10),
  tls_min_days integer check (tls_min_days between 1 and 365),
  -- Part of the city's systems for indicator 6-3-2.
  counted boolean not null default true,
  -- Shown on the public status page.
  published boolean not null default false,
  department_id uuid,
  -- Paused checks are not run; demo checks hold history only and never run.
  active boolean not null default true,
  -- Hibiki's own check (its URL follows the configured public URL); one per municipality.
  is_self boolean not null default false,
  is_demo boolean not null default false,
  -- The runner's memory: the last result, and the failures in a row since streak_started_at.
  last_checked_at timestamptz,
  last_interval_seconds integer,
  last_state text check (last_state in ('up', 'pending', 'down')),
  last_detail text check (length(last_detail) <= 500),
  failures integer not null default 0 check (failures >= 0),
  streak_started_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, name),
  foreign key (tenant_id, department_id) references departments(tenant_id, id),
  check (kind <> 'http' or url ~ '^https?://'),
  check (kind <> 'tcp' or url ~ '^tcp://'),
  check (kind <> 'tls' or url ~ '^(https|tls)://'),
  check (kind = 'http' or (keyword is null and expected_status is null)),
  check ((kind = 'tls') = (tls_min_days is not null)),
  check (timeout_ms <= interval_seconds * 1000),
  check ((last_checked_at is null) = (last_interval_seconds is null)),
  check ((failures = 0) = (streak_started_at is null)),
  check (not (is_demo and active))
);
create unique index monitoring_checks_one_self on monitoring_checks (tenant_id) where is_self;

-- The timeline: consecutive results of one state run-length encoded into periods, so a year
-- of 10-second checks is a handful of rows while nothing availability needs is lost.
create table monitoring_periods (
  tenant_id uuid not null,
  check_id uuid not null,
  started_at timestamptz not null,
  ended_at timestamptz not null,
  state text not null check (state in ('up', 'pending', 'down', 'unknown')),
  primary key (tenant_id, check_id, started_at),
  foreign key (tenant_id, check_id) references monitoring_checks(tenant_id, id) on delete cascade,
  check (ended_at > started_at)
);
create index monitoring_periods_ended on monitoring_periods (tenant_id, check_id, ended_at);

-- Every result, kept for the retention period (setting monitoring.rawRetentionDays).
create table monitoring_results (
  tenant_id uuid not null,
  check_id uuid not null,
  checked_at timestamptz not null,
  ok boolean not null,
  state text not null check (state in ('up', 'pending', 'down')),
  status_code integer check (status_code between 0 and 999),
  latency_ms integer check (latency_ms >= 0),
  detail text check (length(detail) <= 500),
  in_maintenance boolean not null default false,
  primary key (tenant_id, check_id, checked_at),
  foreign key (tenant_id, check_id) references monitoring_checks(tenant_id, id) on delete cascade,
  check (ok = (state = 'up'))
);

-- Hourly rollups of the results (counts and response times), kept after the raw results go.
create table monitoring_rollups (
  tenant_id uuid not null,
  check_id uuid not null,
  hour timestamptz not null,
  samples integer not null check (samples >= 1),
  failures integer not null check (failures >= 0),
  latency_count integer not null check (latency_count >= 0),
  latency_sum bigint not null check (latency_sum >= 0),
  latency_max integer check (latency_max >= 0),
  primary key (tenant_id, check_id, hour),
  foreign key (tenant_id, check_id) references monitoring_checks(tenant_id, id) on delete cascade,
  check (failures <= samples and latency_count <= samples)
);

create table monitoring_incidents (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  check_id uuid not null,
  status text not null check (status in ('open', 'recovering', 'closed')),
  -- The first failed try of the streak that was confirmed.
  started_at timestamptz not null,
  -- The first success after the last spell (null while down).
  ended_at timestamptz,
  -- When it was closed: the system stayed up for the flap window.
  closed_at timestamptz,
  -- Down spells grouped into the incident (a flapping system reopens it).
  spells integer not null default 1 check (spells >= 1),
  failures integer not null default 1 check (failures >= 1),
  first_detail text check (length(first_detail) <= 500),
  last_detail text check (length(last_detail) <= 500),
  -- 原因・対応 written by staff; shown publicly once published.
  cause text check (length(cause) between 1 and 2000),
  action text check (length(action) between 1 and 2000),
  annotated_at timestamptz,
  annotated_by uuid,
  published_at timestamptz,
  -- When the mails to administrators were queued (null: still to send; the runner retries).
  notified_down_at timestamptz,
  notified_up_at timestamptz,
  is_demo boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, check_id) references monitoring_checks(tenant_id, id) on delete cascade,
  check (
    (status = 'open' and ended_at is null and closed_at is null)
    or (status = 'recovering' and ended_at is not null and closed_at is null)
    or (status = 'closed' and ended_at is not null and closed_at is not null)
  ),
  check (ended_at is null or ended_at >= started_at),
  check (closed_at is null or closed_at >= ended_at),
  check (published_at is null or cause is not null)
);
-- At most one incident per check that is not closed.
create unique index monitoring_incidents_one_live on monitoring_incidents (tenant_id, check_id) where status <> 'closed';
create index monitoring_incidents_started on monitoring_incidents (tenant_id, started_at desc);

-- 計画メンテナンス — planned maintenance, for every system or the ones listed.
create table monitoring_maintenance (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text not null check (length(reason) between 1 and 500),
  all_systems boolean not null,
  cancelled_at timestamptz,
  is_demo boolean not null default false,
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check (ends_at > starts_at),
  check (ends_at - starts_at <= interval '31 days'),
  check (cancelled_at is null or cancelled_at <= starts_at)
);
create index monitoring_maintenance_ends on monitoring_maintenance (tenant_id, ends_at);

create table monitoring_maintenance_checks (
  tenant_id uuid not null,
  maintenance_id uuid not null,
  check_id uuid not null,
  primary key (tenant_id, maintenance_id, check_id),
  foreign key (tenant_id, maintenance_id) references monitoring_maintenance(tenant_id, id) on delete cascade,
  foreign key (tenant_id, check_id) references monitoring_checks(tenant_id, id) on delete cascade
);

-- When the runner last bumped the public data version without a change of state.
create table monitoring_tenant_state (
  tenant_id uuid not null primary key references municipalities(id),
  bumped_at timestamptz not null
);
`);
}
