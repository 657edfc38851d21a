/** The registry's pure rules, table-driven: terms, renewal, the yearly counts, duplicates, transitions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeOn, duplicateKey, refusalOf, registeredPerYear, renewalOpen, renewalTerm, STATUSES, validUntilFor, type Action, type Status } from './groups.rules.ts';

describe('the term of a registration', () => {
  it('ends on 31 March of the last fiscal year it covers, the year of approval included', () => {
    const cases: [string, number, string][] = [
      ['2026-04-01', 1, '2027-03-31'],
      ['2027-03-31', 1, '2027-03-31'],
      ['2027-01-10', 3, '2029-03-31'],
      ['2026-12-02', 2, '2028-03-31'],
    ];
    for (const [from, years, until] of cases) assert.equal(validUntilFor(from, years), until, `${from} × ${years}`);
  });

  it('counts 31 March and not 1 April', () => {
    const term = { startsOn: '2026-06-01', endsOn: '2027-03-31' };
    assert.equal(activeOn(term, '2027-03-31'), true);
    assert.equal(activeOn(term, '2027-04-01'), false);
    assert.equal(activeOn(term, '2026-05-31'), false);
    assert.equal(activeOn({ startsOn: '2026-09-10', endsOn: '2026-09-09' }, '2026-09-10'), false, 'a term cut before it began');
  });

  it('renews straight after a running term, from today after a lapse; opens the window before the end', () => {
    assert.deepEqual(renewalTerm('2027-03-31', '2027-02-01', 1), { startsOn: '2027-04-01', endsOn: '2028-03-31' });
    assert.deepEqual(renewalTerm('2027-03-31', '2027-03-31', 1), { startsOn: '2027-04-01', endsOn: '2028-03-31' });
    assert.deepEqual(renewalTerm('2027-03-31', '2027-06-15', 1), { startsOn: '2027-06-15', endsOn: '2028-03-31' });
    assert.equal(renewalOpen('2027-03-31', '2027-01-29', 60), false);
    assert.equal(renewalOpen('2027-03-31', '2027-01-30', 60), true);
  });
});

describe('the yearly counts of groups.registered', () => {
  it('counts the groups active on each 31 March and today, after the baseline', () => {
    const terms = [
      { groupId: 'a', startsOn: '2024-05-10', endsOn: '2025-03-31' },
      { groupId: 'a', startsOn: '2025-04-01', endsOn: '2027-03-31' },
      { groupId: 'b', startsOn: '2025-04-01', endsOn: '2026-03-31' },
      { groupId: 'c', startsOn: '2026-06-01', endsOn: '2027-03-31', isDemo: true },
    ];
    assert.deepEqual(registeredPerYear(terms, '2026-08-01', null), [
      { value: 1, asOf: '2025-03-31' },
      { value: 2, asOf: '2026-03-31' },
      { value: 2, asOf: '2026-08-01', demo: true },
    ]);
    assert.deepEqual(registeredPerYear(terms, '2026-08-01', '2025-03-31').map((o) => o.asOf), ['2026-03-31', '2026-08-01']);
    assert.deepEqual(registeredPerYear([], '2026-08-01', null), []);
  });
});

describe('duplicates and transitions', () => {
  it('treats full-width, spaced and katakana/hiragana variants of the same group as one', () => {
    assert.equal(duplicateKey('前橋ＮＰＯの会', '前橋 太郎'), duplicateKey('前橋NPOの会', '前橋　太郎'));
    assert.equal(duplicateKey('マエバシの会', 'ヤマダ'), duplicateKey('まえばしの会', 'やまだ'));
    assert.notEqual(duplicateKey('前橋の会', '前橋 太郎'), duplicateKey('前橋の会', '前橋 花子'));
  });

  it('allows each action only in its states', () => {
    const allowed: Record<Action, Status[]> = {
      approve: ['applied'],
      return: ['applied'],
      refuse: ['applied'],
      resubmit: ['returned'],
      renew: ['registered', 'lapsed'],
      lapse: ['registered'],
      deregister: ['registered', 'lapsed'],
      requestChange: ['registered'],
      reviewChange: ['registered', 'lapsed'],
    };
    for (const [action, states] of Object.entries(allowed) as [Action, Status[]][]) {
      for (const s of STATUSES) assert.equal(refusalOf(action, s) === null, states.includes(s), `${action} in ${s}`);
    }
  });
});
