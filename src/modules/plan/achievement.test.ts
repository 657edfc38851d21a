import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  achievementRate,
  averageClampedRate,
  comparedFigures,
  evaluateIndicator,
  expectedProgressAt,
  expectedValueAt,
  gradeCounts,
  gradeOf,
  isOnTrack,
  latestActual,
  projectAtTarget,
  type Grade,
  type IndicatorSpec,
  type Observation,
} from './achievement.ts';

// Population-style indicator: 200 at FY2019 end, 250 due FY2024 end (1826 days, spans 29 Feb 2024).
const growth: IndicatorSpec = {
  direction: 'increase',
  baseline: { value: 200, asOf: '2020-03-31' },
  target: { value: 250, dueDate: '2025-03-31' },
};
// Cost-style indicator: 30.2 万円 down to 26.0 万円.
const cost: IndicatorSpec = {
  direction: 'decrease',
  baseline: { value: '30.2', asOf: '2020-03-31' },
  target: { value: '26.0', dueDate: '2025-03-31' },
};
const ceiling: IndicatorSpec = {
  direction: 'at_most_baseline',
  baseline: { value: 100, asOf: '2020-03-31' },
  target: { value: 100, dueDate: '2025-03-31' },
};

const at = (value: string | number, asOf = '2022-03-31'): Observation => ({ value, asOf });

describe('achievementRate', () => {
  const cases: {
    name: string;
    spec: IndicatorSpec;
    actual: Observation;
    rate: number;
    clampedRate: number;
    grade: Grade;
  }[] = [
    { name: 'rates increase 200 → 250 with actual 220 as 40 (C)', spec: growth, actual: at(220), rate: 40, clampedRate: 40, grade: 'C' },
    { name: 'rates a decrease 30.2 → 26.0 万円 with actual 28.1 as exactly 50', spec: cost, actual: at('28.1'), rate: 50, clampedRate: 50, grade: 'B' },
    {
      name: 'rates decimal percentages 99.98 → 99.99 with actual 99.985 as exactly 50',
      spec: { direction: 'increase', baseline: at('99.98', '2020-03-31'), target: { value: '99.99', dueDate: '2025-03-31' } },
      actual: at('99.985'),
      rate: 50,
      clampedRate: 50,
      grade: 'B',
    },
    { name: 'rates an increase above target as over 100, S, clamped to 100', spec: growth, actual: at(260), rate: 120, clampedRate: 100, grade: 'S' },
    { name: 'rates a decrease beyond target as over 100, S, clamped to 100', spec: cost, actual: at('24.95'), rate: 125, clampedRate: 100, grade: 'S' },
    { name: 'rates an increase worse than baseline as negative, D, clamped to 0', spec: growth, actual: at(190), rate: -20, clampedRate: 0, grade: 'D' },
    { name: 'rates a decrease worse than baseline as negative, D, clamped to 0', spec: cost, actual: at('31.25'), rate: -25, clampedRate: 0, grade: 'D' },
    { name: 'rates an actual equal to the baseline as 0 (C)', spec: growth, actual: at(200), rate: 0, clampedRate: 0, grade: 'C' },
    {
      name: 'rates an increase without a baseline as a / t',
      spec: { direction: 'increase', target: { value: 5913107, dueDate: '2025-03-31' } },
      actual: at(4730485.6),
      rate: 80,
      clampedRate: 80,
      grade: 'A',
    },
    {
      name: 'rates a decrease without a baseline as t / a',
      spec: { direction: 'decrease', baseline: null, target: { value: 20, dueDate: '2025-03-31' } },
      actual: at(25),
      rate: 80,
      clampedRate: 80,
      grade: 'A',
    },
    {
      name: 'rates a decrease without a baseline and an actual of 0 as 100',
      spec: { direction: 'decrease', target: { value: 20, dueDate: '2025-03-31' } },
      actual: at(0),
      rate: 100,
      clampedRate: 100,
      grade: 'S',
    },
    { name: 'rates at_most_baseline met below the baseline as 100', spec: ceiling, actual: at(95), rate: 100, clampedRate: 100, grade: 'S' },
    { name: 'rates at_most_baseline met exactly at the baseline as 100', spec: ceiling, actual: at(100), rate: 100, clampedRate: 100, grade: 'S' },
    { name: 'rates at_most_baseline exceeded as b / a', spec: ceiling, actual: at(125), rate: 80, clampedRate: 80, grade: 'A' },
    {
      name: 'rates at_most_baseline without a baseline against the target value',
      spec: { direction: 'at_most_baseline', target: { value: 100, dueDate: '2025-03-31' } },
      actual: at(200),
      rate: 50,
      clampedRate: 50,
      grade: 'B',
    },
    {
      name: 'rates a degenerate increase (t = b) reached as 100',
      spec: { direction: 'increase', baseline: at(50, '2020-03-31'), target: { value: 50, dueDate: '2025-03-31' } },
      actual: at(50),
      rate: 100,
      clampedRate: 100,
      grade: 'S',
    },
    {
      name: 'rates a degenerate increase (t = b) not reached as 0',
      spec: { direction: 'increase', baseline: at(50, '2020-03-31'), target: { value: 50, dueDate: '2025-03-31' } },
      actual: at(49),
      rate: 0,
      clampedRate: 0,
      grade: 'C',
    },
    {
      name: 'rates a degenerate decrease (t = b) reached as 100',
      spec: { direction: 'decrease', baseline: at(50, '2020-03-31'), target: { value: 50, dueDate: '2025-03-31' } },
      actual: at(45),
      rate: 100,
      clampedRate: 100,
      grade: 'S',
    },
    {
      name: 'rates a degenerate decrease (t = b) not reached as 0',
      spec: { direction: 'decrease', baseline: at(50, '2020-03-31'), target: { value: 50, dueDate: '2025-03-31' } },
      actual: at(51),
      rate: 0,
      clampedRate: 0,
      grade: 'C',
    },
    { name: 'cuts a repeating rate to 2 places', spec: growth, actual: at('216.66666'), rate: 33.33, clampedRate: 33.33, grade: 'C' },
    { name: 'cuts 2/3 toward the lower value, not up', spec: growth, actual: at('233.33335'), rate: 66.66, clampedRate: 66.66, grade: 'B' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = achievementRate(c.spec, c.actual);
      assert.ok(result);
      assert.equal(result.rate, c.rate);
      assert.equal(result.clampedRate, c.clampedRate);
      assert.equal(result.grade, c.grade);
    });
  }

  it('returns exactly rate 40, clampedRate 40, grade C for 200 → 250 with 220 at 2022-03-31', () => {
    assert.deepEqual(achievementRate(growth, at(220, '2022-03-31')), { rate: 40, clampedRate: 40, grade: 'C', exactRate: '40' });
  });

  it('keeps the exact decimal rate free of binary float drift', () => {
    const spec: IndicatorSpec = { direction: 'increase', baseline: at('99.98', '2020-03-31'), target: { value: '99.99', dueDate: '2025-03-31' } };
    assert.equal(achievementRate(spec, at('99.985'))?.exactRate, '50');
    assert.equal(achievementRate(cost, at('28.1'))?.exactRate, '50');
  });

  it('returns null (評価不能) when there is no actual', () => {
    assert.equal(achievementRate(growth, null), null);
    assert.equal(achievementRate(growth, undefined), null);
  });

  it('rejects a value that is not a decimal', () => {
    assert.throws(() => achievementRate(growth, at('12,5')), RangeError);
    assert.throws(() => achievementRate(growth, at(Number.NaN)), RangeError);
  });

  it('grades the exact rate and shows it cut so that the shown figure reads the same grade', () => {
    // (0.7999999 / 1) × 100 = 79.99999: below 80, so B, and shown as 79.99 (not 80.00).
    const spec: IndicatorSpec = { direction: 'increase', baseline: at(0, '2020-03-31'), target: { value: 1, dueDate: '2025-03-31' } };
    assert.deepEqual(achievementRate(spec, at('0.7999999')), { rate: 79.99, clampedRate: 79.99, grade: 'B', exactRate: '79.99999' });
  });

  it('grades an actual a hair worse than the baseline as D although it shows as 0.00', () => {
    const spec: IndicatorSpec = { direction: 'increase', baseline: at(100, '2020-03-31'), target: { value: 200, dueDate: '2025-03-31' } };
    const a = achievementRate(spec, at('99.996'))!;
    assert.equal(a.grade, 'D');
    assert.equal(a.rate, -0.01, 'shown below 0, as its grade says');
    assert.equal(a.clampedRate, 0);
  });

  it('reads dates in the years 1 to 99 as themselves', () => {
    const spec: IndicatorSpec = { direction: 'increase', baseline: at(0, '0050-03-31'), target: { value: 10, dueDate: '0060-03-31' } };
    assert.equal(isOnTrack(spec, at(10, '0060-03-31')), true);
  });
});

describe('gradeOf', () => {
  const cases: [number, Grade][] = [
    [150, 'S'],
    [100, 'S'],
    [99.99, 'A'],
    [80, 'A'],
    [79.99, 'B'],
    [50, 'B'],
    [49.99, 'C'],
    [0, 'C'],
    [-0.01, 'D'],
    [-40, 'D'],
  ];
  for (const [rate, grade] of cases) {
    it(`grades a rate of exactly ${rate} as ${grade}`, () => {
      assert.equal(gradeOf(rate), grade);
    });
  }
});

describe('latestActual', () => {
  it('picks the actual with the greatest date, not the last listed', () => {
    const actuals = [at(1, '2023-03-31'), at(2, '2024-03-31'), at(3, '2022-03-31')];
    assert.deepEqual(latestActual(actuals), at(2, '2024-03-31'));
  });

  it('picks the later-listed actual when two share a date', () => {
    assert.deepEqual(latestActual([at(1, '2024-03-31'), at(2, '2024-03-31')]), at(2, '2024-03-31'));
  });

  it('returns null when there are no actuals', () => {
    assert.equal(latestActual([]), null);
  });

  it('rejects an impossible date', () => {
    assert.throws(() => latestActual([at(1, '2023-02-30')]), RangeError);
    assert.throws(() => latestActual([at(1, '2023/03/31')]), RangeError);
  });
});

describe('expected line', () => {
  // 730 of 1826 days have elapsed at 2022-03-31.
  const cases: { name: string; date: string; value: number; progress: number }[] = [
    { name: 'is the baseline on the baseline date', date: '2020-03-31', value: 200, progress: 0 },
    // 730 / 1826 = 39.97809…%: cut, not rounded, to 39.97.
    { name: 'is interpolated by calendar days between the dates', date: '2022-03-31', value: 200 + (50 * 730) / 1826, progress: 39.97 },
    { name: 'is the target on the due date', date: '2025-03-31', value: 250, progress: 100 },
    { name: 'is held at the baseline before the baseline date', date: '2019-03-31', value: 200, progress: 0 },
    { name: 'is held at the target after the due date', date: '2026-03-31', value: 250, progress: 100 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = growth.baseline;
      assert.ok(b);
      assert.ok(Math.abs(expectedValueAt(b, growth.target, c.date) - c.value) < 1e-9);
      assert.equal(expectedProgressAt(b, growth.target, c.date), c.progress);
    });
  }

  it('computes decimal expected values without float drift', () => {
    // Halfway through a 2-day span.
    assert.equal(expectedValueAt(at('99.98', '2024-01-01'), { value: '99.99', dueDate: '2024-01-03' }, '2024-01-02'), 99.985);
  });
});

describe('isOnTrack', () => {
  const cases: { name: string; spec: IndicatorSpec; actual: Observation | null; onTrack: boolean | null }[] = [
    // The expected line at 2022-03-31 is 200 + 50 × 730 / 1826 = 219.98904…, progress 39.97809…%.
    { name: 'is on track for an increase just above the expected line (40 ≥ 39.978)', spec: growth, actual: at(220), onTrack: true },
    { name: 'is behind for an increase just below the expected line (39.96 < 39.978)', spec: growth, actual: at('219.98'), onTrack: false },
    { name: 'is on track just above the exact line although below its rounded figure (issue 7: 219.9895)', spec: growth, actual: at('219.9895'), onTrack: true },
    { name: 'is behind a hair below the exact line (219.98904)', spec: growth, actual: at('219.98904'), onTrack: false },
    { name: 'is on track a hair above the exact line (219.98905)', spec: growth, actual: at('219.98905'), onTrack: true },
    {
      name: 'is on track exactly on a line that falls on whole figures',
      spec: { direction: 'increase', baseline: { value: 0, asOf: '2020-01-01' }, target: { value: 10, dueDate: '2020-01-11' } },
      actual: at(4, '2020-01-05'),
      onTrack: true,
    },
    {
      name: 'is behind a hair below a line that falls on whole figures',
      spec: { direction: 'increase', baseline: { value: 0, asOf: '2020-01-01' }, target: { value: 10, dueDate: '2020-01-11' } },
      actual: at('3.9999999', '2020-01-05'),
      onTrack: false,
    },
    { name: 'is on track for a decrease ahead of the expected line', spec: cost, actual: at('28.5'), onTrack: true },
    { name: 'is behind for a decrease that lags the expected line', spec: cost, actual: at('28.6'), onTrack: false },
    { name: 'is behind when worse than the baseline', spec: growth, actual: at(190), onTrack: false },
    {
      name: 'is on track without a baseline only at 100 or more',
      spec: { direction: 'increase', target: { value: 250, dueDate: '2025-03-31' } },
      actual: at(250),
      onTrack: true,
    },
    {
      name: 'is behind without a baseline below 100 however early',
      spec: { direction: 'increase', target: { value: 250, dueDate: '2025-03-31' } },
      actual: at(249, '2020-04-01'),
      onTrack: false,
    },
    { name: 'is on track for at_most_baseline at or below the baseline', spec: ceiling, actual: at(100), onTrack: true },
    { name: 'is behind for at_most_baseline above the baseline', spec: ceiling, actual: at('100.1'), onTrack: false },
    { name: 'is null without an actual', spec: growth, actual: null, onTrack: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isOnTrack(c.spec, c.actual), c.onTrack);
    });
  }
});

describe('projectAtTarget', () => {
  // Out of date order. Hand check: x̄ = 2021-01-11, ȳ = 12; dx = −10, 0, 10; dy = −2, 2, 0;
  // Sxy = 20, Sxx = 200, slope = 0.1 a day; due 2021-01-31 is 20 days after x̄ → 12 + 2 = 14.
  const actuals = [at(12, '2021-01-21'), at(10, '2021-01-01'), at(14, '2021-01-11')];

  it('projects the least-squares line to the due date', () => {
    assert.equal(projectAtTarget(actuals, '2021-01-31'), 14);
  });

  it('projects an exactly linear series onto its own line', () => {
    assert.equal(projectAtTarget([at('99.99', '2024-01-03'), at('99.98', '2024-01-01')], '2024-01-05'), 100);
  });

  const nullCases: { name: string; actuals: Observation[] }[] = [
    { name: 'returns null with no actuals', actuals: [] },
    { name: 'returns null with a single actual', actuals: [at(1, '2021-01-01')] },
    { name: 'returns null when all actuals share one date', actuals: [at(1, '2021-01-01'), at(2, '2021-01-01')] },
  ];
  for (const c of nullCases) {
    it(c.name, () => {
      assert.equal(projectAtTarget(c.actuals, '2025-03-31'), null);
    });
  }
});

describe('evaluateIndicator', () => {
  it('combines latest, achievement, on-track, expected progress and projection', () => {
    const result = evaluateIndicator({
      ...growth,
      actuals: [at(220, '2022-03-31'), at(200, '2020-03-31'), at(210, '2021-03-31')],
    });
    assert.deepEqual(result.latest, at(220, '2022-03-31'));
    assert.deepEqual(result.achievement, { rate: 40, clampedRate: 40, grade: 'C', exactRate: '40' });
    assert.equal(result.onTrack, true);
    assert.equal(result.expectedProgress, 39.97);
    assert.match(result.exactExpectedProgress ?? '', /^39\.9780941949616648411829134720700985761/);
    // Collinear at 10 per 365 days (no leap day between 2020-03-31 and 2022-03-31): x̄ = 2021-03-31,
    // ȳ = 210; due is 1461 days later → 210 + 1461 × 10 / 365.
    assert.ok(Math.abs((result.projection ?? Number.NaN) - (210 + 14610 / 365)) < 1e-9);
  });

  it('returns all nulls when there are no actuals', () => {
    assert.deepEqual(evaluateIndicator({ ...growth, actuals: [] }), {
      latest: null,
      achievement: null,
      onTrack: null,
      expectedProgress: null,
      exactExpectedProgress: null,
      projection: null,
    });
  });

  it('leaves expected progress null for at_most_baseline', () => {
    const result = evaluateIndicator({ ...ceiling, actuals: [at(125)] });
    assert.equal(result.expectedProgress, null);
    assert.equal(result.achievement?.grade, 'A');
    assert.equal(result.onTrack, false);
    assert.equal(result.projection, null);
  });
});

describe('averageClampedRate', () => {
  const cases: { name: string; rates: (number | null)[]; average: number | null }[] = [
    // 140 / 3 = 46.666…: cut to 46.66, not rounded up.
    { name: 'averages clamped rates and skips nulls', rates: [40, null, 120, -20], average: 46.66 },
    { name: 'averages already-clamped rates unchanged', rates: [40, 100, 0], average: 46.66 },
    { name: 'cuts an average just below a grade boundary below it', rates: [79.99, 80], average: 79.99 },
    { name: 'averages decimal rates without drift', rates: [0.1, 0.2], average: 0.15 },
    { name: 'returns null when every rate is null', rates: [null, null], average: null },
    { name: 'returns null for no rates', rates: [], average: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(averageClampedRate(c.rates), c.average);
    });
  }
});

describe('gradeCounts', () => {
  it('counts each grade and null as none', () => {
    assert.deepEqual(gradeCounts(['S', 'A', 'A', 'D', null, 'C', undefined]), { S: 1, A: 2, B: 0, C: 1, D: 1, none: 2 });
  });

  it('returns zero counts for no grades', () => {
    assert.deepEqual(gradeCounts([]), { S: 0, A: 0, B: 0, C: 0, D: 0, none: 0 });
  });
});

describe('grade boundaries: the shown rate reads the grade given', () => {
  // Baseline 0, target 100: the actual is the rate itself.
  const unit: IndicatorSpec = { direction: 'increase', baseline: at(0, '2020-03-31'), target: { value: 100, dueDate: '2025-03-31' } };
  const cases: [string, number, Grade][] = [
    ['100', 100, 'S'],
    ['99.999999', 99.99, 'A'],
    ['80', 80, 'A'],
    ['79.999999', 79.99, 'B'],
    ['50', 50, 'B'],
    ['49.999999', 49.99, 'C'],
    ['0', 0, 'C'],
    ['-0.000001', -0.01, 'D'],
    ['100.000001', 100, 'S'],
    ['80.009999', 80, 'A'],
  ];
  const legend = (rate: number): Grade => (rate >= 100 ? 'S' : rate >= 80 ? 'A' : rate >= 50 ? 'B' : rate >= 0 ? 'C' : 'D');
  for (const [actual, shown, grade] of cases) {
    it(`an exact rate of ${actual} % shows as ${shown} and is graded ${grade}`, () => {
      const a = achievementRate(unit, at(actual))!;
      assert.equal(a.rate, shown);
      assert.equal(a.grade, grade);
      assert.equal(legend(a.rate), a.grade, 'the legend read on the shown figure gives the same grade');
    });
  }
});

describe('comparedFigures', () => {
  it('shows two decimals when they already read the right way', () => {
    assert.deepEqual(comparedFigures('40', '39.978094'), { rate: 40, expected: 39.97, decimals: 2 });
    // On track although both cut to 39.97: equal figures read as "at least", which is true.
    assert.deepEqual(comparedFigures('39.979', '39.978094'), { rate: 39.97, expected: 39.97, decimals: 2 });
  });

  it('adds decimals until a rate behind its expected progress shows below it', () => {
    assert.deepEqual(comparedFigures('39.97', '39.978094'), { rate: 39.97, expected: 39.978, decimals: 3 });
    assert.deepEqual(comparedFigures('39.97809', '39.978094'), { rate: 39.97809, expected: 39.978094, decimals: 6 });
  });

  it('gives the verdict and the figures the same order for the issue-7 actual', () => {
    const e = evaluateIndicator({ ...growth, actuals: [at('219.9895')] });
    assert.equal(e.onTrack, true);
    const shown = comparedFigures(e.achievement!.exactRate, e.exactExpectedProgress!);
    assert.ok(shown.rate >= shown.expected);
    const behind = evaluateIndicator({ ...growth, actuals: [at('219.98904')] });
    assert.equal(behind.onTrack, false);
    const shownBehind = comparedFigures(behind.achievement!.exactRate, behind.exactExpectedProgress!);
    assert.ok(shownBehind.rate < shownBehind.expected, JSON.stringify(shownBehind));
  });
});
