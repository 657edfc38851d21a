/**
 * How one check's results become its timeline and its incidents — pure rules, applied by the
 * runner one result at a time (monitoring.runner.ts) and tested on their own.
 *
 * Timeline: a result holds from its instant until the next result when that comes within two
 * intervals; otherwise it holds one interval and the rest of the gap is recorded `unknown`
 * (the runner was down: nobody knows, so it is not up).
 *
 * Retries: a failed try is `pending` while the failures in a row are at most `retries`; the
 * next failure confirms it (`down`), and the whole streak counts as down from its first try.
 *
 * Incidents: a confirmed failure opens an incident dated from the streak's first failed try
 * (not during planned maintenance of that system). The first success ends it, but it is only
 * closed — and the "recovered" mail sent — once the system has stayed up for the flap window;
 * a confirmed failure within the window reopens the same incident instead of starting a new
 * one, so a flapping system makes one incident (and two mails), not dozens.
 */
import type { Span } from './monitoring.availability.ts';

/** The previous result of a check, as the runner remembers it. */
export interface LastResult {
  /** When it was taken (epoch ms). */
  at: number;
  /** The check's interval then (ms). */
  intervalMs: number;
}

export interface Coverage {
  /** Where the previous result's period now ends (null for a check's first result). */
  previousEndsAt: number | null;
  /** Time nobody measured, to record as unknown (null when the result came in time). */
  unknown: Span | null;
  /** Where the new result's period provisionally ends: one interval on. */
  endsAt: number;
}

/** Where the previous result stops counting and the new one starts, for a result at `at`. */
export function coverageFor(previous: LastResult | null, at: number, intervalMs: number): Coverage {
  const endsAt = at + intervalMs;
  if (!previous) return { previousEndsAt: null, unknown: null, endsAt };
  if (at - previous.at <= 2 * previous.intervalMs) return { previousEndsAt: at, unknown: null, endsAt };
  const held = previous.at + previous.intervalMs;
  return { previousEndsAt: held, unknown: { start: held, end: at }, endsAt };
}

export type ResultState = 'up' | 'pending' | 'down';

/** The state of a try, given the failures in a row before it and the retries allowed. */
export function classify(ok: boolean, failuresBefore: number, retries: number): { state: ResultState; failures: number } {
  if (ok) return { state: 'up', failures: 0 };
  const failures = failuresBefore + 1;
  return { state: failures > retries ? 'down' : 'pending', failures };
}

/** How long a recovered system must stay up before its incident closes: 3 intervals, at least 5 minutes. */
export function flapWindowMs(intervalSeconds: number): number {
  return Math.max(5 * 60_000, 3 * intervalSeconds * 1000);
}

/** The check's incident that is not closed yet (at most one). */
export interface LiveIncident {
  status: 'open' | 'recovering';
  /** When the system came back (recovering only). */
  endedAt: number | null;
}

export type IncidentAction =
  | { kind: 'none' }
  /** A new incident from the streak's first failed try. */
  | { kind: 'open'; startedAt: number }
  /** Still down. */
  | { kind: 'continue' }
  /** Back up at endedAt; waits out the flap window. */
  | { kind: 'recover'; endedAt: number }
  /** Down again within the flap window: the same incident goes on. */
  | { kind: 'reopen' }
  /** Stayed up for the flap window: closed (the recovery mail goes now). */
  | { kind: 'close' };

/** What a result does to the check's incident. */
export function incidentStep(
  incident: LiveIncident | null,
  result: { at: number; state: ResultState; streakStart: number | null; inMaintenance: boolean },
  flapMs: number,
): IncidentAction {
  if (result.state === 'down') {
    if (!incident) return result.inMaintenance ? { kind: 'none' } : { kind: 'open', startedAt: result.streakStart ?? result.at };
    return incident.status === 'open' ? { kind: 'continue' } : { kind: 'reopen' };
  }
  if (result.state === 'up' && incident) {
    if (incident.status === 'open') return { kind: 'recover', endedAt: result.at };
    if (incident.endedAt !== null && result.at - incident.endedAt >= flapMs) return { kind: 'close' };
  }
  return { kind: 'none' };
}
