/**
 * Named metrics: how a module feeds the plan's indicators. An indicator names a metric
 * ("groups.registered"); the module that holds the data declares it (through the module
 * contract) with the function computing its observations. The registry is built from the
 * modules when the app is composed, never by import side effects.
 */
import type { Sql } from './db/database.ts';

/** One value of a metric, dated (ISO date, JST). */
export interface MetricObservation {
  value: string | number;
  asOf: string;
  note?: string;
  /** True when the value is computed from demonstration data. */
  demo?: boolean;
}

/** One indicator bound to the metric. */
export interface MetricBinding {
  /** The indicator's code, e.g. "6-1-3". */
  indicatorCode: string;
  /** The indicator's own baseline date: metrics report from there on. */
  since: string | null;
}

/** What a metric is asked for: every indicator of one plan bound to it, in one batch. */
export interface MetricQuery {
  sql: Sql;
  tenantId: string;
  /** The plan the indicators belong to. */
  planId: string;
  /** Today (JST): metrics "as of today" answer for this day. */
  today: string;
  bindings: readonly MetricBinding[];
}

export interface MetricDefinition {
  /** "<module>.<name>", e.g. "groups.registered". */
  name: string;
  description: { ja: string; en: string };
  /**
   * The data-version scopes whose changes alter the metric's values: a cached plan read that
   * shows the metric depends on them.
   */
  scopes: readonly string[];
  /**
   * Observations per bound indicator code (one query per metric for the whole plan). Absent
   * while the metric is declared but not computed by the platform (values are staff-entered).
   */
  observe?(query: MetricQuery): Promise<Map<string, MetricObservation[]>>;
}

/** The metrics of an app, by name. */
export class MetricRegistry {
  private readonly byName = new Map<string, MetricDefinition>();

  constructor(definitions: readonly MetricDefinition[]) {
    for (const d of definitions) {
      if (!/^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/.test(d.name)) throw new Error(`metric name ${d.name} is not "<module>.<name>"`);
      if (this.byName.has(d.name)) throw new Error(`metric ${d.name} is declared twice`);
      this.byName.set(d.name, d);
    }
  }

  /** The metric, or undefined when no module declares it. */
  get(name: string): MetricDefinition | undefined {
    return this.byName.get(name);
  }

  /** True when an indicator may bind to this name. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every metric, by name. */
  list(): MetricDefinition[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The data-version scopes of these metrics (unknown names contribute none). */
  scopesOf(names: Iterable<string>): string[] {
    const scopes = new Set<string>();
    for (const n of names) for (const s of this.byName.get(n)?.scopes ?? []) scopes.add(s);
    return [...scopes].sort();
  }
}
