/**
 * The statistics against values computed by hand (an independent implementation of the same
 * formulas, rounded to six decimals): Wilson intervals with and without the finite-population
 * correction, the two-proportion z-test, post-stratification, and a five-point scale without
 * 無回答 as a whole question result.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Question } from './surveys.repository.ts';
import { questionResult } from './surveys.results.ts';
import { ownScale, PLAN_SCALE } from './surveys.scale.ts';
import { percent1, postStratified, twoProportionTest, wilson } from './surveys.stats.ts';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 5e-7, `${what}: ${actual} ≠ ${expected}`);

describe('Wilson interval', () => {
  const cases: [x: number, n: number, population: number | null, low: number, high: number][] = [
    [1, 2, null, 0.094531, 0.905469],
    [0, 10, null, 0, 0.277533],
    [10, 10, null, 0.722467, 1],
    [392, 1000, null, 0.36221, 0.422616],
    [490, 1250, null, 0.365307, 0.419355],
    // Finite population: 1,000 of 2,500 residents answered; 100 of 120.
    [392, 1000, 2500, 0.368832, 0.415665],
    [40, 100, 120, 0.361399, 0.439884],
  ];
  for (const [x, n, population, low, high] of cases) {
    it(`gives [${low}, ${high}] for ${x}/${n}${population ? ` of ${population}` : ''}`, () => {
      const s = wilson(x, n, population)!;
      assert.equal(s.value, x / n);
      close(s.low, low, 'low');
      close(s.high, high, 'high');
    });
  }
  it('collapses to the share when everyone answered, and is null without respondents', () => {
    assert.deepEqual(wilson(3, 10, 10), { value: 0.3, low: 0.3, high: 0.3 });
    assert.equal(wilson(0, 0), null);
  });
});

describe('two-proportion z-test', () => {
  const cases: [number, number, number, number, number, number, boolean][] = [
    [380, 1000, 415, 1000, 1.599212, 0.109774, false],
    [20, 50, 30, 50, 2.0, 0.0455, true],
    [2, 6, 4, 6, 1.154701, 0.248213, false],
  ];
  for (const [x1, n1, x2, n2, z, p, significant] of cases) {
    it(`gives z = ${z}, p = ${p} for ${x1}/${n1} → ${x2}/${n2}`, () => {
      const t = twoProportionTest(x1, n1, x2, n2)!;
      close(t.z, z, 'z');
      assert.ok(Math.abs(t.pValue - p) < 1e-6, `p ${t.pValue}`);
      assert.equal(t.significant, significant);
      assert.equal(t.difference, x2 / n2 - x1 / n1);
    });
  }
  it('is null without respondents or when every answer is the same', () => {
    assert.equal(twoProportionTest(0, 0, 1, 2), null);
    assert.equal(twoProportionTest(5, 5, 7, 7), null);
  });
});

describe('post-stratification', () => {
  it('weights each cell by its population: 0.75 × 0.4 + 0.25 × 0.6 = 0.45', () => {
    const s = postStratified([
      { key: 'f', respondents: 100, hits: 40, population: 3000 },
      { key: 'm', respondents: 50, hits: 30, population: 1000 },
      { key: 'x', respondents: 0, hits: 0, population: 500 },
    ])!;
    close(s.value, 0.45, 'value');
    close(s.low, 0.370386, 'low');
    close(s.high, 0.529614, 'high');
    assert.equal(s.cellsUsed, 2);
  });
  it('is null when no cell has respondents', () => assert.equal(postStratified([{ key: 'a', respondents: 0, hits: 0, population: 5 }]), null));
});

const question = (choices: Question['choices']): Question => ({
  code: 'Q',
  position: 0,
  kind: 'perception',
  text: 'q',
  required: false,
  choices,
  ownScale: true,
  sectionCode: null,
  indicatorCode: null,
});

describe('a question’s result', () => {
  it('on a five-point scale without 無回答: positive over all 110 respondents, opinions over the 100 who chose', () => {
    const q = question(
      ownScale({
        choices: [
          { code: '5', label: '満足', positive: true },
          { code: '4', label: 'やや満足', positive: true },
          { code: '3', label: 'どちらともいえない' },
          { code: '2', label: 'やや不満' },
          { code: '1', label: '不満' },
        ],
      }),
    );
    const tallies = [['5', 30], ['4', 40], ['3', 20], ['2', 6], ['1', 4], ['', 10]].map(([c, n]) => ({ questionCode: 'Q', choiceCode: c as string, n: n as number }));
    const r = questionResult(q, tallies, 110, null);
    assert.deepEqual(r.counts, { '5': 30, '4': 40, '3': 20, '2': 6, '1': 4 });
    assert.equal(r.unanswered, 10);
    close(r.positiveShare!.value, 70 / 110, 'positive');
    close(r.positiveShare!.low, 0.543277, 'positive low');
    close(r.positiveShare!.high, 0.720248, 'positive high');
    close(r.opinionShare!.value, 0.7, 'opinion');
    close(r.opinionShare!.low, 0.604151, 'opinion low');
    close(r.opinionShare!.high, 0.781051, 'opinion high');
    close(r.meanScore!, 3.86, 'mean'); // (5·30 + 4·40 + 3·20 + 2·6 + 1·4) / 100
    // Rounded shares need not add up to 100.0.
    const rounded = r.choices.map((c) => percent1(c.share!.value));
    assert.deepEqual(rounded, [27.3, 36.4, 18.2, 5.5, 3.6]);
  });

  it('on the plan’s six codes: 8 and 9 count in the denominator but not among opinions', () => {
    const q = { ...question([...PLAN_SCALE]), ownScale: false };
    const tallies = [['1', 10], ['2', 30], ['3', 30], ['4', 10], ['8', 15], ['9', 5]].map(([c, n]) => ({ questionCode: 'Q', choiceCode: c as string, n: n as number }));
    const r = questionResult(q, tallies, 100, null);
    assert.equal(r.positiveShare!.value, 0.4);
    assert.equal(r.opinionShare!.value, 0.5);
    close(r.meanScore!, (4 * 10 + 3 * 30 + 2 * 30 + 10) / 80, 'mean');
  });
});
