/**
 * A question's result from its tallies: counts and shares per choice (each with its 95 %
 * Wilson interval), the positive share over all respondents (as cities publish it), the share
 * among those with an opinion, and the mean score of the substantive answers.
 */
import type { Question, Tally } from './surveys.repository.ts';
import { wilson, type Share } from './surveys.stats.ts';

export interface ChoiceResult {
  code: string;
  label: string;
  positive: boolean;
  substantive: boolean;
  count: number;
  share: Share | null;
}

export interface QuestionResult {
  code: string;
  kind: Question['kind'];
  text: string;
  section: string | null;
  indicator: string | null;
  counts: Record<string, number>;
  /** Respondents who left a choice question (without a 無回答 choice) or a text blank. */
  unanswered: number;
  choices: ChoiceResult[];
  positiveShare: Share | null;
  opinionShare: Share | null;
  meanScore: number | null;
}

/** The result of one question over `respondents`, from its tallies. */
export function questionResult(q: Question, tallies: readonly Tally[], respondents: number, population: number | null): QuestionResult {
  const mine = new Map(tallies.filter((t) => t.questionCode === q.code).map((t) => [t.choiceCode, t.n]));
  const counts: Record<string, number> = {};
  for (const c of q.choices) counts[c.code] = mine.get(c.code) ?? 0;
  const choices = q.choices.map((c) => ({
    code: c.code,
    label: c.label,
    positive: c.positive,
    substantive: c.substantive,
    count: counts[c.code]!,
    share: wilson(counts[c.code]!, respondents, population),
  }));
  const unanswered = mine.get('') ?? 0;
  const scored = q.kind === 'perception';
  const positive = q.choices.filter((c) => c.positive).reduce((s, c) => s + counts[c.code]!, 0);
  const opinions = q.choices.filter((c) => c.substantive).reduce((s, c) => s + counts[c.code]!, 0);
  const scoreSum = q.choices.reduce((s, c) => s + (c.score ?? 0) * counts[c.code]!, 0);
  return {
    code: q.code,
    kind: q.kind,
    text: q.text,
    section: q.sectionCode,
    indicator: q.indicatorCode,
    counts,
    unanswered: q.kind === 'text' || q.kind === 'number' ? (mine.get('') ?? 0) : unanswered,
    choices,
    positiveShare: scored ? wilson(positive, respondents, population) : null,
    opinionShare: scored ? wilson(positive, opinions, population) : null,
    meanScore: scored && opinions > 0 ? scoreSum / opinions : null,
  };
}
