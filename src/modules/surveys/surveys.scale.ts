/**
 * Answer scales. A perception question uses the plan's six codes unless it names a city's own
 * ordinal scale: 1 とても感じる, 2 まあまあ感じる, 3 あまり感じない, 4 まったく感じない,
 * 8 わからない, 9 無回答・不明, stored as distinct codes. Codes 1 and 2 are positive; 1–4 are
 * substantive (an opinion); a blank answer to the question counts as 9.
 *
 * An own scale lists its choices from the most positive down, each saying whether it is
 * positive and whether it is substantive (わからない and 無回答 are not). A scale without a
 * 無回答 choice (the usual five-point 満足 … 不満) counts a blank answer as unanswered, still
 * in the denominator of the positive share (as cities publish it).
 */

export interface Choice {
  code: string;
  label: string;
  /** Counts towards the positive share. */
  positive: boolean;
  /** An opinion (counts in the share among those with an opinion and in the mean score). */
  substantive: boolean;
  /** The score of a substantive choice in the mean (the most positive highest); null otherwise. */
  score: number | null;
  /** The choice a blank answer counts as (the plan's 9 無回答・不明). */
  blank?: boolean;
}

/** The plan's six codes in the legend's order. */
export const PLAN_SCALE: readonly Choice[] = [
  { code: '1', label: 'とても感じる', positive: true, substantive: true, score: 4 },
  { code: '2', label: 'まあまあ感じる', positive: true, substantive: true, score: 3 },
  { code: '3', label: 'あまり感じない', positive: false, substantive: true, score: 2 },
  { code: '4', label: 'まったく感じない', positive: false, substantive: true, score: 1 },
  { code: '8', label: 'わからない', positive: false, substantive: false, score: null },
  { code: '9', label: '無回答・不明', positive: false, substantive: false, score: null, blank: true },
];

/** The English labels of the plan's codes. */
export const PLAN_SCALE_EN: Readonly<Record<string, string>> = {
  '1': 'Strongly feel so',
  '2': 'Somewhat feel so',
  '3': 'Hardly feel so',
  '4': 'Do not feel so at all',
  '8': 'Don’t know',
  '9': 'No answer / unclear',
};

/** A city's scale as given: choices from the most positive down. */
export interface ScaleInput {
  choices: { code: string; label: string; positive?: boolean | undefined; substantive?: boolean | undefined }[];
}

/**
 * The stored choices of an own scale: substantive unless said otherwise, positive only when
 * said, scored from the number of substantive choices down to 1 in the order given.
 */
export function ownScale(input: ScaleInput): Choice[] {
  const substantive = input.choices.filter((c) => c.substantive !== false).length;
  let rank = 0;
  return input.choices.map((c) => {
    const isSubstantive = c.substantive !== false;
    const score = isSubstantive ? substantive - rank++ : null;
    return { code: c.code, label: c.label, positive: c.positive === true, substantive: isSubstantive, score };
  });
}

/** The choices of a single/multiple question: given as labels (the label is the code) or as {code, label}. */
export function plainChoices(choices: readonly (string | { code: string; label: string })[]): Choice[] {
  return choices.map((c) => {
    const code = typeof c === 'string' ? c : c.code;
    const label = typeof c === 'string' ? c : c.label;
    return { code, label, positive: false, substantive: true, score: null };
  });
}

/** The choice a blank answer counts as, if the scale has one. */
export function blankChoice(choices: readonly Choice[]): Choice | undefined {
  return choices.find((c) => c.blank);
}
