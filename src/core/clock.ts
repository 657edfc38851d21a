/**
 * Time, passed in rather than read: every rule that depends on "now" (due dates, lapses at the
 * fiscal-year end, schedules, today's plan evaluation) asks a Clock, so tests can set it.
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock: what the running server uses. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and move by hand. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-06-01T03:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  /** Moves the clock to this instant. */
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
  /** Moves the clock forward by ms. */
  advance(ms: number): void {
    this.current += ms;
  }
}
