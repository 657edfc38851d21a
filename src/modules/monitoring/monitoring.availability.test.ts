/**
 * The availability arithmetic and the timeline and incident rules, table-driven. Every
 * expected figure is worked out by hand in the comments beside it (times in JST).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  availabilityPercent,
  bucketsOf,
  coverageOf,
  fiscalYearAt,
  jstDayStart,
  sumTallies,
  tally,
  unionSpans,
  type Period,
  type Span,
  type Tally,
} from './monitoring.availability.ts';
import { classify, coverageFor, flapWindowMs, incidentStep, type IncidentAction, type LiveIncident, type ResultState } from './monitoring.timeline.ts';

const MIN = 60_000;
/** An instant written in Japan time. */
const jst = (text: string) => Date.parse(`${text}+09:00`);
const p = (state: Period['state'], start: string, end: string): Period => ({ state, start: jst(start), end: jst(end) });
const w = (start: string, end: string): Span => ({ start: jst(start), end: jst(end) });
const minutes = (t: Tally) => ({ up: t.upMs / MIN, down: t.downMs / MIN, unknown: t.unknownMs / MIN, maintenance: t.maintenanceMs / MIN });

// An outage from 23:50 on 31 March 2026 to 00:20 on 1 April (30 minutes: 10 in March and in
// FY2025, 20 in April and in FY2026), with planned maintenance 23:55–00:05 across midnight.
const outage: Period[] = [
  p('up', '2026-03-31T23:00:00', '2026-03-31T23:50:00'),
  p('down', '2026-03-31T23:50:00', '2026-04-01T00:20:00'),
  p('up', '2026-04-01T00:20:00', '2026-04-01T01:00:00'),
];
const crossingWindow = [w('2026-03-31T23:55:00', '2026-04-01T00:05:00')];

describe('availability arithmetic', () => {
  const cases: {
    name: string;
    periods: Period[];
    windows: Span[];
    from: string;
    to: string;
    want: { up: number; down: number; unknown: number; maintenance: number };
    percent: number | null;
  }[] = [
    {
      // March side: up 23:00–23:50 = 50; down 23:50–24:00 = 10, of which 23:55–24:00 = 5 in maintenance.
      // 50 ÷ (50 + 5) = 90.90909… % → 90.909 (rounded down to 4 decimals: 90.9090).
      name: 'counts the fiscal year 2025 side of an outage crossing the year end, maintenance excluded',
      periods: outage,
      windows: crossingWindow,
      from: '2025-04-01T00:00:00',
      to: '2026-04-01T00:00:00',
      want: { up: 50, down: 5, unknown: 0, maintenance: 5 },
      percent: 90.909,
    },
    {
      // April side: down 00:00–00:20 = 20, of which 00:00–00:05 = 5 in maintenance → 15; up 00:20–01:00 = 40.
      // 40 ÷ 55 = 72.72727… % → 72.7272.
      name: 'counts the fiscal year 2026 side of the same outage',
      periods: outage,
      windows: crossingWindow,
      from: '2026-04-01T00:00:00',
      to: '2027-04-01T00:00:00',
      want: { up: 40, down: 15, unknown: 0, maintenance: 5 },
      percent: 72.7272,
    },
    {
      // Both sides: up 90, down 20, maintenance 10 → 90 ÷ 110 = 81.8181… %.
      name: 'counts both fiscal years together',
      periods: outage,
      windows: crossingWindow,
      from: '2026-03-01T00:00:00',
      to: '2026-05-01T00:00:00',
      want: { up: 90, down: 20, unknown: 0, maintenance: 10 },
      percent: 81.8181,
    },
    {
      // Without the window the whole 30 minutes count: 90 ÷ 120 = 75 %.
      name: 'counts the whole outage when no maintenance was planned',
      periods: outage,
      windows: [],
      from: '2026-03-01T00:00:00',
      to: '2026-05-01T00:00:00',
      want: { up: 90, down: 30, unknown: 0, maintenance: 0 },
      percent: 75,
    },
    {
      // The month of March alone equals the fiscal-year-2025 side; a window outside the range changes nothing.
      name: 'counts the month of March alone, ignoring a window outside it',
      periods: outage,
      windows: [...crossingWindow, w('2026-02-01T00:00:00', '2026-02-01T06:00:00')],
      from: '2026-03-01T00:00:00',
      to: '2026-04-01T00:00:00',
      want: { up: 50, down: 5, unknown: 0, maintenance: 5 },
      percent: 90.909,
    },
    {
      // up 60 + pending 10 + up 20 = 90 up; the runner gap of 30 is unknown and counts for neither.
      name: 'counts pending time as up and a runner gap as unknown',
      periods: [
        p('up', '2026-05-01T00:00:00', '2026-05-01T01:00:00'),
        p('unknown', '2026-05-01T01:00:00', '2026-05-01T01:30:00'),
        p('pending', '2026-05-01T01:30:00', '2026-05-01T01:40:00'),
        p('up', '2026-05-01T01:40:00', '2026-05-01T02:00:00'),
      ],
      windows: [],
      from: '2026-05-01T00:00:00',
      to: '2026-05-02T00:00:00',
      want: { up: 90, down: 0, unknown: 30, maintenance: 0 },
      percent: 100,
    },
    {
      // Windows 00:10–00:30 and 00:20–00:40 overlap: together 00:10–00:40 = 30, counted once.
      name: 'counts overlapping maintenance windows once',
      periods: [p('down', '2026-06-01T00:00:00', '2026-06-01T01:00:00')],
      windows: [w('2026-06-01T00:10:00', '2026-06-01T00:30:00'), w('2026-06-01T00:20:00', '2026-06-01T00:40:00')],
      from: '2026-06-01T00:00:00',
      to: '2026-06-02T00:00:00',
      want: { up: 0, down: 30, unknown: 0, maintenance: 30 },
      percent: 0,
    },
    {
      // A period reaching past both ends is clipped: 10:00–11:00 of 09:00–12:00 → 60 up.
      name: 'clips periods to the range',
      periods: [p('up', '2026-07-01T09:00:00', '2026-07-01T12:00:00')],
      windows: [],
      from: '2026-07-01T10:00:00',
      to: '2026-07-01T11:00:00',
      want: { up: 60, down: 0, unknown: 0, maintenance: 0 },
      percent: 100,
    },
    {
      // 2 up, 1 down: 66.666…% → 66.6666, rounded down, not 66.6667.
      name: 'rounds a figure down, never up',
      periods: [p('up', '2026-08-01T00:00:00', '2026-08-01T00:02:00'), p('down', '2026-08-01T00:02:00', '2026-08-01T00:03:00')],
      windows: [],
      from: '2026-08-01T00:00:00',
      to: '2026-08-02T00:00:00',
      want: { up: 2, down: 1, unknown: 0, maintenance: 0 },
      percent: 66.6666,
    },
    {
      // Everything in maintenance or unknown: nothing measured.
      name: 'gives no figure when nothing was measured',
      periods: [p('unknown', '2026-09-01T00:00:00', '2026-09-01T01:00:00'), p('down', '2026-09-01T01:00:00', '2026-09-01T02:00:00')],
      windows: [w('2026-09-01T01:00:00', '2026-09-01T02:00:00')],
      from: '2026-09-01T00:00:00',
      to: '2026-09-02T00:00:00',
      want: { up: 0, down: 0, unknown: 60, maintenance: 60 },
      percent: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = tally(c.periods, c.windows, jst(c.from), jst(c.to));
      assert.deepEqual(minutes(t), c.want);
      assert.equal(availabilityPercent(t), c.percent);
    });
  }

  it('pools systems by system-time', () => {
    // A: up 99, down 1; B: up 50 → 149 ÷ 150 = 99.3333… %.
    const a = tally([p('up', '2026-10-01T00:00:00', '2026-10-01T01:39:00'), p('down', '2026-10-01T01:39:00', '2026-10-01T01:40:00')], [], jst('2026-10-01T00:00:00'), jst('2026-10-02T00:00:00'));
    const b = tally([p('up', '2026-10-01T00:00:00', '2026-10-01T00:50:00')], [], jst('2026-10-01T00:00:00'), jst('2026-10-02T00:00:00'));
    assert.equal(availabilityPercent(sumTallies([a, b])), 99.3333);
  });

  it('gives 99.99 % for 52 minutes 33.6 seconds down in a 365-day year', () => {
    // 365 × 86,400 s = 31,536,000 s; 0.01 % of it = 3,153.6 s = 52 min 33.6 s.
    const year = 365 * 86_400_000;
    assert.equal(availabilityPercent({ upMs: year - 3_153_600, downMs: 3_153_600 }), 99.99);
    assert.equal(availabilityPercent({ upMs: year - 3_153_601, downMs: 3_153_601 }), 99.9899);
  });

  it('measures the coverage of a range outside maintenance', () => {
    // 90 up + 0 down of a 120-minute range with no maintenance → 0.75.
    assert.equal(coverageOf({ upMs: 90 * MIN, downMs: 0, unknownMs: 30 * MIN, maintenanceMs: 0 }, 120 * MIN), 0.75);
    // 50 + 10 of 70 minutes with 10 in maintenance → 60 ÷ 60 = 1.
    assert.equal(coverageOf({ upMs: 50 * MIN, downMs: 10 * MIN, unknownMs: 0, maintenanceMs: 10 * MIN }, 70 * MIN), 1);
  });

  it('merges overlapping and touching spans', () => {
    assert.deepEqual(unionSpans([{ start: 5, end: 7 }, { start: 0, end: 2 }, { start: 2, end: 3 }, { start: 6, end: 9 }, { start: 4, end: 4 }]), [
      { start: 0, end: 3 },
      { start: 5, end: 9 },
    ]);
  });
});

describe('calendar buckets in Japan time', () => {
  it('starts a JST day at 15:00 UTC the day before', () => {
    assert.equal(new Date(jstDayStart('2026-04-01')).toISOString(), '2026-03-31T15:00:00.000Z');
  });

  it('puts 31 March 23:59 JST in the old fiscal year and 1 April 00:00 JST in the new one', () => {
    assert.equal(fiscalYearAt(jst('2026-03-31T23:59:59')), 2025);
    assert.equal(fiscalYearAt(jst('2026-04-01T00:00:00')), 2026);
    // 2026-03-31T15:00Z is already 1 April in Japan.
    assert.equal(fiscalYearAt(Date.parse('2026-03-31T15:00:00Z')), 2026);
  });

  it('splits the outage into days, months and fiscal years at JST midnight', () => {
    const from = jst('2026-03-31T23:00:00');
    const to = jst('2026-04-01T01:00:00');
    const percents = (kind: 'day' | 'month' | 'fiscalYear') =>
      bucketsOf(kind, from, to).map((b) => [b.key, availabilityPercent(tally(outage, crossingWindow, b.start, b.end))]);
    assert.deepEqual(percents('day'), [['2026-03-31', 90.909], ['2026-04-01', 72.7272]]);
    assert.deepEqual(percents('month'), [['2026-03', 90.909], ['2026-04', 72.7272]]);
    assert.deepEqual(percents('fiscalYear'), [['2025', 90.909], ['2026', 72.7272]]);
  });

  it('lists whole months across a year end, clipped to the range', () => {
    const buckets = bucketsOf('month', jst('2025-11-15T00:00:00'), jst('2026-02-10T00:00:00'));
    assert.deepEqual(buckets.map((b) => b.key), ['2025-11', '2025-12', '2026-01', '2026-02']);
    assert.equal(buckets[0]!.start, jst('2025-11-15T00:00:00'));
    assert.equal(buckets[1]!.start, jst('2025-12-01T00:00:00'));
    assert.equal(buckets[3]!.end, jst('2026-02-10T00:00:00'));
  });
});

describe('the timeline of results', () => {
  const S = 1000;
  const cases: { name: string; previous: { at: number; intervalMs: number } | null; at: number; want: ReturnType<typeof coverageFor> }[] = [
    { name: 'a first result holds one interval', previous: null, at: 0, want: { previousEndsAt: null, unknown: null, endsAt: 60 * S } },
    { name: 'a result on time ends the previous one', previous: { at: 0, intervalMs: 60 * S }, at: 60 * S, want: { previousEndsAt: 60 * S, unknown: null, endsAt: 120 * S } },
    { name: 'a late result within two intervals still ends it', previous: { at: 0, intervalMs: 60 * S }, at: 110 * S, want: { previousEndsAt: 110 * S, unknown: null, endsAt: 170 * S } },
    { name: 'a result exactly two intervals on still ends it', previous: { at: 0, intervalMs: 60 * S }, at: 120 * S, want: { previousEndsAt: 120 * S, unknown: null, endsAt: 180 * S } },
    {
      name: 'after a runner gap the previous result holds one interval and the rest is unknown',
      previous: { at: 0, intervalMs: 60 * S },
      at: 3600 * S,
      want: { previousEndsAt: 60 * S, unknown: { start: 60 * S, end: 3600 * S }, endsAt: 3660 * S },
    },
    { name: 'an early result cuts the previous one short', previous: { at: 0, intervalMs: 60 * S }, at: 30 * S, want: { previousEndsAt: 30 * S, unknown: null, endsAt: 90 * S } },
  ];
  for (const c of cases) {
    it(`holds that ${c.name}`, () => {
      assert.deepEqual(coverageFor(c.previous, c.at, 60 * S), c.want);
    });
  }

  it('counts a failure only after the retries', () => {
    // retries 2: fail, fail → pending; the third failure in a row is down; a success resets.
    assert.deepEqual(classify(false, 0, 2), { state: 'pending', failures: 1 });
    assert.deepEqual(classify(false, 1, 2), { state: 'pending', failures: 2 });
    assert.deepEqual(classify(false, 2, 2), { state: 'down', failures: 3 });
    assert.deepEqual(classify(true, 3, 2), { state: 'up', failures: 0 });
    assert.deepEqual(classify(false, 0, 0), { state: 'down', failures: 1 });
  });

  it('waits three intervals, at least five minutes, before closing an incident', () => {
    assert.equal(flapWindowMs(10), 300_000);
    assert.equal(flapWindowMs(60), 300_000);
    assert.equal(flapWindowMs(600), 1_800_000);
  });
});

describe('incidents grouped from results', () => {
  /** Folds a run of results through the rules, as the runner does. Results one a minute; maintenanceAt and the instants returned in ms, the closed incidents in seconds. */
  function run(oks: boolean[], retries: number, maintenanceAt: Set<number> = new Set()) {
    const interval = 60;
    const flap = flapWindowMs(interval);
    let failures = 0;
    let streakStart: number | null = null;
    let incident: (LiveIncident & { startedAt: number; spells: number }) | null = null;
    const closed: { startedAt: number; endedAt: number; spells: number; closedAt: number }[] = [];
    const actions: IncidentAction['kind'][] = [];
    oks.forEach((ok, i) => {
      const at = i * interval * 1000;
      const c = classify(ok, failures, retries);
      if (!ok && failures === 0) streakStart = at;
      failures = c.failures;
      const state: ResultState = c.state;
      const action = incidentStep(incident, { at, state, streakStart, inMaintenance: maintenanceAt.has(at) }, flap);
      actions.push(action.kind);
      if (action.kind === 'open') incident = { status: 'open', endedAt: null, startedAt: action.startedAt, spells: 1 };
      else if (action.kind === 'recover') incident = { ...incident!, status: 'recovering', endedAt: action.endedAt };
      else if (action.kind === 'reopen') incident = { ...incident!, status: 'open', endedAt: null, spells: incident!.spells + 1 };
      else if (action.kind === 'close') {
        closed.push({ startedAt: incident!.startedAt / 1000, endedAt: incident!.endedAt! / 1000, spells: incident!.spells, closedAt: at / 1000 });
        incident = null;
      }
      if (ok) streakStart = null;
    });
    return { actions, closed, incident: incident as (LiveIncident & { startedAt: number; spells: number }) | null };
  }
  const U = true;
  const F = false;

  it('makes one incident of a flapping system, from its first failed try to its last recovery', () => {
    // Minute (s):  0  60 120 180 240 300 360 420 480 540 600 660 720 780 840 900 960
    // Result:      U  F  U   F   F   F   U   F   F   U   U   U   U   U   U   F   F
    // retries 1:   the lone failure at 60 is forgiven; 180+240 confirm (open from 180);
    // up at 360 (recovering); 420+480 confirm again within 5 minutes (reopen); up at 540;
    // up for 300 s by 840 → closed: 180 → 540, two spells. 900+960 open a new incident.
    const r = run([U, F, U, F, F, F, U, F, F, U, U, U, U, U, U, F, F], 1);
    assert.deepEqual(r.actions, ['none', 'none', 'none', 'none', 'open', 'continue', 'recover', 'none', 'reopen', 'recover', 'none', 'none', 'none', 'none', 'close', 'none', 'open']);
    assert.deepEqual(r.closed, [{ startedAt: 180, endedAt: 540, spells: 2, closedAt: 840 }]);
    assert.equal(r.incident?.startedAt, 900_000);
  });

  it('opens no incident for failures that stay within the retries', () => {
    const r = run([U, F, U, F, U, F, U], 1);
    assert.deepEqual(r.closed, []);
    assert.equal(r.incident, null);
  });

  it('opens no incident for a failure confirmed during planned maintenance', () => {
    // retries 0: down at 60 and 120, both inside maintenance; down at 180 outside it opens from 60.
    const r = run([U, F, F, F], 0, new Set([60_000, 120_000]));
    assert.deepEqual(r.actions, ['none', 'none', 'none', 'open']);
    assert.equal(r.incident?.startedAt, 60_000);
  });
});
