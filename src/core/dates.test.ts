import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PlanDateError,
  addDays,
  compareIsoDate,
  daysBetween,
  fiscalYearEnd,
  fiscalYearOf,
  fiscalYearStart,
  formatBothFiscalYear,
  formatDateBoth,
  formatDateEn,
  formatJapaneseDate,
  formatJapaneseFiscalYear,
  formatWesternFiscalYear,
  isIsoDate,
  parsePlanDate,
  todayJst,
  type PlanDate,
} from './dates.ts';

describe('ISO date helpers', () => {
  const isoCases: [string, boolean][] = [
    ['2013-03-31', true],
    ['2024-02-29', true],
    ['2000-02-29', true],
    ['2023-02-29', false],
    ['1900-02-29', false],
    ['2013-04-31', false],
    ['2013-13-01', false],
    ['2013-00-10', false],
    ['2013-3-31', false],
    ['2013-03-31T00:00', false],
    [' 2013-03-31', false],
    ['', false],
  ];
  for (const [text, expected] of isoCases) {
    it(`says ${JSON.stringify(text)} is ${expected ? '' : 'not '}an ISO date`, () => {
      assert.equal(isIsoDate(text), expected);
    });
  }

  const compareCases: [string, string, number][] = [
    ['2013-03-31', '2013-04-01', -1],
    ['2013-04-01', '2013-03-31', 1],
    ['2019-05-01', '2019-05-01', 0],
    ['0999-12-31', '1000-01-01', -1],
  ];
  for (const [a, b, expected] of compareCases) {
    it(`compares ${a} with ${b} as ${expected}`, () => {
      assert.equal(compareIsoDate(a, b), expected);
    });
  }

  it('sorts dates with compareIsoDate', () => {
    assert.deepEqual(['2019-05-01', '1989-01-08', '2013-03-31'].sort(compareIsoDate), [
      '1989-01-08',
      '2013-03-31',
      '2019-05-01',
    ]);
  });

  const addCases: [string, number, string][] = [
    ['2013-03-31', 1, '2013-04-01'],
    ['2013-04-01', -1, '2013-03-31'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2019-04-30', 1, '2019-05-01'],
    ['2013-12-31', 1, '2014-01-01'],
    ['2013-03-31', 0, '2013-03-31'],
    ['2013-01-01', 365, '2014-01-01'],
    ['2024-03-10', 1, '2024-03-11'], // a DST change in many zones; calendar arithmetic ignores it
  ];
  for (const [date, n, expected] of addCases) {
    it(`adds ${n} days to ${date} giving ${expected}`, () => {
      assert.equal(addDays(date, n), expected);
    });
  }

  const betweenCases: [string, string, number][] = [
    ['2024-03-31', '2024-04-01', 1],
    ['2024-04-01', '2024-03-31', -1],
    ['2024-01-01', '2025-01-01', 366],
    ['2023-01-01', '2024-01-01', 365],
    ['2019-04-30', '2019-04-30', 0],
  ];
  for (const [a, b, expected] of betweenCases) {
    it(`counts ${expected} days from ${a} to ${b}`, () => {
      assert.equal(daysBetween(a, b), expected);
    });
  }

  it('rejects a date that is not ISO in the arithmetic helpers', () => {
    assert.throws(() => addDays('2013-02-30', 1), RangeError);
    assert.throws(() => daysBetween('2013/03/31', '2013-04-01'), RangeError);
    assert.throws(() => compareIsoDate('H25.3.31', '2013-04-01'), RangeError);
    assert.throws(() => addDays('2013-03-31', 0.5), RangeError);
  });
});

describe('todayJst', () => {
  const cases: [string, string][] = [
    ['2024-03-31T14:59:59.999Z', '2024-03-31'],
    ['2024-03-31T15:00:00.000Z', '2024-04-01'], // 00:00 JST on 1 April
    ['2018-12-31T15:00:00.000Z', '2019-01-01'],
    ['2019-04-30T15:00:00.000Z', '2019-05-01'],
    ['2024-06-15T03:00:00.000Z', '2024-06-15'],
  ];
  for (const [instant, expected] of cases) {
    it(`gives ${expected} in Tokyo at ${instant}`, () => {
      assert.equal(todayJst(new Date(instant)), expected);
    });
  }

  it('gives an ISO date for the current instant by default', () => {
    assert.ok(isIsoDate(todayJst()));
  });

  it("agrees with Intl's Asia/Tokyo calendar from 1952 to 2100", () => {
    const tokyo = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' });
    const from = Date.UTC(1952, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    // Every 7 h 13 min: every hour of the day is met, midnight crossings included.
    for (let t = from; t < to; t += 26_011_000) {
      const at = new Date(t);
      assert.equal(todayJst(at), tokyo.format(at), at.toISOString());
    }
  });

  it('refuses an invalid instant', () => {
    assert.throws(() => todayJst(new Date(Number.NaN)), RangeError);
  });
});

describe('fiscal years', () => {
  const ofCases: [string, number][] = [
    ['2013-03-31', 2012],
    ['2013-04-01', 2013],
    ['2013-12-31', 2013],
    ['2014-01-01', 2013],
    ['2020-03-31', 2019],
    ['2020-04-01', 2020],
  ];
  for (const [date, fy] of ofCases) {
    it(`puts ${date} in fiscal year ${fy}`, () => {
      assert.equal(fiscalYearOf(date), fy);
    });
  }

  const boundsCases: [number, string, string][] = [
    [2012, '2012-04-01', '2013-03-31'],
    [2019, '2019-04-01', '2020-03-31'],
    [1988, '1988-04-01', '1989-03-31'],
  ];
  for (const [fy, start, end] of boundsCases) {
    it(`runs fiscal year ${fy} from ${start} to ${end}`, () => {
      assert.equal(fiscalYearStart(fy), start);
      assert.equal(fiscalYearEnd(fy), end);
      assert.equal(fiscalYearOf(start), fy);
      assert.equal(fiscalYearOf(end), fy);
      assert.equal(fiscalYearOf(addDays(start, -1)), fy - 1);
      assert.equal(fiscalYearOf(addDays(end, 1)), fy + 1);
    });
  }

  const japaneseCases: [number, string][] = [
    [2017, '平成29年度'],
    [2018, '平成30年度'],
    [2019, '令和元年度'], // 1 April 2019 was still Heisei; the city writes 令和元年度
    [2020, '令和2年度'],
    [2024, '令和6年度'],
    [1987, '昭和62年度'],
    [1988, '昭和63年度'], // Heisei began 1989-01-08 inside FY1988; the fiscal year keeps Showa
    [1989, '平成元年度'],
    [1926, '昭和元年度'], // Showa began 1926-12-25, within calendar 1926, as Reiwa did in 2019
    [1927, '昭和2年度'],
    [1912, '大正元年度'],
  ];
  for (const [fy, expected] of japaneseCases) {
    it(`names fiscal year ${fy} ${expected}`, () => {
      assert.equal(formatJapaneseFiscalYear(fy), expected);
    });
  }

  it('writes the Western and combined fiscal-year notations', () => {
    assert.equal(formatWesternFiscalYear(2017), 'FY2017');
    assert.equal(formatBothFiscalYear(2017), '平成29年度 (FY2017)');
    assert.equal(formatBothFiscalYear(2019), '令和元年度 (FY2019)');
  });
});

describe('date formatting', () => {
  const japaneseCases: [string, string][] = [
    ['2013-03-31', '平成25年3月31日'],
    ['2013-04-01', '平成25年4月1日'],
    ['1989-01-07', '昭和64年1月7日'],
    ['1989-01-08', '平成元年1月8日'],
    ['1989-12-31', '平成元年12月31日'],
    ['1990-01-01', '平成2年1月1日'],
    ['2019-04-30', '平成31年4月30日'],
    ['2019-05-01', '令和元年5月1日'],
    ['2020-01-01', '令和2年1月1日'],
    ['1926-12-24', '大正15年12月24日'],
    ['1926-12-25', '昭和元年12月25日'],
    ['1912-07-29', '明治45年7月29日'],
    ['1912-07-30', '大正元年7月30日'],
  ];
  for (const [date, expected] of japaneseCases) {
    it(`writes ${date} as ${expected}`, () => {
      assert.equal(formatJapaneseDate(date), expected);
    });
  }

  it('agrees with the parser on every era boundary', () => {
    for (const [date, text] of japaneseCases) {
      assert.equal(parsePlanDate(text).date, date);
    }
  });

  it('writes the Japanese date with the ISO date after it', () => {
    assert.equal(formatDateBoth('2013-03-31'), '平成25年3月31日 (2013-03-31)');
    assert.equal(formatDateBoth('2019-05-01'), '令和元年5月1日 (2019-05-01)');
  });

  const englishCases: [string, string][] = [
    ['2013-03-31', '31 March 2013'],
    ['2019-05-01', '1 May 2019'],
    ['1989-01-08', '8 January 1989'],
  ];
  for (const [date, expected] of englishCases) {
    it(`writes ${date} in English as ${expected}`, () => {
      assert.equal(formatDateEn(date), expected);
    });
  }

  it('rejects a date that is not ISO', () => {
    assert.throws(() => formatJapaneseDate('2013-02-30'), RangeError);
    assert.throws(() => formatDateEn('31 March 2013'), RangeError);
  });
});

describe('parsePlanDate', () => {
  const date = (d: string, label: string): PlanDate => ({ kind: 'date', date: d, label });
  const fy = (fiscalYear: number, label: string): PlanDate => ({
    kind: 'fiscalYear',
    fiscalYear,
    date: fiscalYearEnd(fiscalYear),
    label,
  });

  const cases: [string, PlanDate][] = [
    // ISO and Western dates
    ['2013-03-31', date('2013-03-31', '2013-03-31')],
    ['2024-02-29', date('2024-02-29', '2024-02-29')],
    ['2013年3月31日', date('2013-03-31', '2013年3月31日')],
    // Era abbreviations
    ['H25.3.31', date('2013-03-31', 'H25.3.31')],
    ['H24.4.1', date('2012-04-01', 'H24.4.1')],
    ['R6.4.1', date('2024-04-01', 'R6.4.1')],
    ['S64.1.7', date('1989-01-07', 'S64.1.7')],
    ['H1.1.8', date('1989-01-08', 'H1.1.8')],
    ['H31.4.30', date('2019-04-30', 'H31.4.30')],
    ['R1.5.1', date('2019-05-01', 'R1.5.1')],
    ['R元.5.1', date('2019-05-01', 'R元.5.1')],
    ['T15.12.24', date('1926-12-24', 'T15.12.24')],
    ['S1.12.25', date('1926-12-25', 'S1.12.25')],
    ['M45.7.29', date('1912-07-29', 'M45.7.29')],
    ['h25.3.31', date('2013-03-31', 'h25.3.31')],
    ['Ｈ２５．３．３１', date('2013-03-31', 'Ｈ２５．３．３１')],
    ['Ｒ１．５．１', date('2019-05-01', 'Ｒ１．５．１')],
    // Kanji eras
    ['平成25年3月31日', date('2013-03-31', '平成25年3月31日')],
    ['令和元年5月1日', date('2019-05-01', '令和元年5月1日')],
    ['昭和64年1月7日', date('1989-01-07', '昭和64年1月7日')],
    ['平成元年1月8日', date('1989-01-08', '平成元年1月8日')],
    ['平成２５年３月３１日', date('2013-03-31', '平成２５年３月３１日')],
    ['㍻25年3月31日', date('2013-03-31', '㍻25年3月31日')],
    // Fiscal years
    ['平成24年度', fy(2012, '平成24年度')],
    ['H24年度', fy(2012, 'H24年度')],
    ['令和元年度', fy(2019, '令和元年度')],
    ['R1年度', fy(2019, 'R1年度')],
    ['H31年度', fy(2019, 'H31年度')], // FY2019 began in Heisei, so 平成31年度 is still readable
    ['S63年度', fy(1988, 'S63年度')],
    ['H元年度', fy(1989, 'H元年度')],
    ['H29', fy(2017, 'H29')],
    ['Ｈ２９', fy(2017, 'Ｈ２９')],
    ['FY2017', fy(2017, 'FY2017')],
    ['ＦＹ２０１７', fy(2017, 'ＦＹ２０１７')],
    ['2017年度', fy(2017, '2017年度')],
    ['平成 24 年度', fy(2012, '平成 24 年度')],
    // Fiscal-year ends
    ['H23末', date('2012-03-31', 'H23末')],
    ['H23年度末', date('2012-03-31', 'H23年度末')],
    ['平成23年度末', date('2012-03-31', '平成23年度末')],
    ['令和元年度末', date('2020-03-31', '令和元年度末')],
    ['2011年度末', date('2012-03-31', '2011年度末')],
    // Surroundings
    ['  H25.3.31  ', date('2013-03-31', 'H25.3.31')],
    ['(H25.3.31)', date('2013-03-31', '(H25.3.31)')],
    ['（平成24年度）', fy(2012, '（平成24年度）')],
    ['一般会計H23年度末', date('2012-03-31', '一般会計H23年度末')],
    ['基準値 (H22年度)', fy(2010, '基準値 (H22年度)')],
    ['目標 R6.4.1 まで', date('2024-04-01', '目標 R6.4.1 まで')],
    ['H25.3.31 (H24年度)', date('2013-03-31', 'H25.3.31 (H24年度)')], // the first notation wins
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)} as ${expected.kind} ${expected.kind === 'fiscalYear' ? expected.fiscalYear : expected.date}`, () => {
      assert.deepEqual(parsePlanDate(text), expected);
    });
  }

  const bad: [string, string][] = [
    ['H25.13.1', 'no 13th month'],
    ['H25.2.29', '2013 was no leap year'],
    ['2013-02-30', 'no 30 February'],
    ['2013-13-01', 'no 13th month in ISO'],
    ['H31.5.1', 'Reiwa began on 1 May 2019'],
    ['R1.4.30', 'Reiwa had not begun'],
    ['S64.1.8', 'Heisei began on 8 January 1989'],
    ['H1.1.7', 'Heisei had not begun'],
    ['平成31年5月1日', 'Reiwa began on 1 May 2019'],
    ['令和元年4月30日', 'Reiwa had not begun'],
    ['H0.4.1', 'there is no year 0'],
    ['H32年度', 'FY2020 began after Heisei ended'],
    ['S64年度', 'FY1989 began after Showa ended'],
    ['H25.3', 'the day is missing'],
    ['2013-3-31', 'ISO needs two-digit months and days'],
    ['X25.3.31', 'X is no era'],
    ['未定', 'no notation at all'],
    ['', 'empty text'],
    ['   ', 'blank text'],
    ['PH29', 'an era letter inside a word'],
    ['H2O', 'an era year followed by a letter'],
  ];
  for (const [text, why] of bad) {
    it(`rejects ${JSON.stringify(text)} (${why}) naming the text`, () => {
      assert.throws(
        () => parsePlanDate(text),
        (err: unknown) => {
          assert.ok(err instanceof PlanDateError);
          assert.ok(err instanceof Error);
          assert.equal(err.name, 'PlanDateError');
          assert.equal(err.text, text);
          const shown = text.trim();
          assert.equal(
            err.message,
            `日付の表記を解釈できません: "${shown}" / Cannot read the date notation "${shown}"`,
          );
          return true;
        },
      );
    });
  }
});
