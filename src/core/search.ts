/**
 * Japanese text search without a search server, the same on PGlite and PostgreSQL. Japanese
 * has no spaces between words, so documents are indexed by character bigrams of their
 * normalised text: NFKC (full-width ＡＢＣ and half-width ｶﾅ become ABC and カナ), lower case,
 * katakana folded to hiragana, punctuation and spaces dropped. A query matches when the
 * document holds every bigram of the query (a GIN index on a text[] column answers that), and
 * the normalised text then contains the query itself — so 公園 is found inside
 * 「駅前の公園にベンチを増やしてほしい」, and ＡＢＣ finds ABC.
 *
 * A module keeps two columns per searchable row, filled by searchColumns():
 *   search_text text not null, search_grams text[] not null  (+ GIN index on search_grams)
 * and filters with searchCondition().
 */

/** Text as searched: NFKC, lower case, katakana → hiragana, without spaces and punctuation. */
export function normalizeForSearch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60))
    .replace(/[\s\p{P}\p{S}]+/gu, '');
}

/** The distinct character bigrams of normalised text (a single character stands for itself). */
export function bigrams(normalized: string): string[] {
  const chars = [...normalized];
  if (chars.length === 1) return chars;
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i]! + chars[i + 1]!);
  return [...grams];
}

/** The values of a row's search columns for the given texts. */
export function searchColumns(...texts: (string | null | undefined)[]): { text: string; grams: string[] } {
  // Normalised text holds no spaces, so a space keeps the texts apart: no bigram or word
  // spans two of them. (PostgreSQL's text cannot hold U+0000.)
  const parts = texts.filter((t): t is string => !!t).map(normalizeForSearch).filter(Boolean);
  const grams = new Set<string>();
  for (const part of parts) {
    // Every single character too, so that a one-character query (森) finds its documents.
    for (const ch of part) grams.add(ch);
    for (const g of bigrams(part)) grams.add(g);
  }
  return { text: parts.join(' '), grams: [...grams] };
}

/**
 * A query reduced to what searchCondition() needs, or null when it holds nothing searchable.
 * Several words (separated by spaces) must all match.
 */
export function searchTerms(query: string): { words: string[]; grams: string[] } | null {
  const words = query
    .normalize('NFKC')
    .split(/\s+/)
    .map(normalizeForSearch)
    .filter((w) => w.length > 0)
    .slice(0, 10);
  if (words.length === 0) return null;
  const grams = new Set<string>();
  for (const w of words) for (const g of bigrams(w)) grams.add(g);
  return { words, grams: [...grams] };
}

/**
 * SQL for "matches the query": the row's bigrams contain the query's, and its text contains
 * each word. `params` is the query's parameter list (the condition appends to it); `alias` the
 * table alias holding search_text / search_grams.
 */
export function searchCondition(terms: { words: string[]; grams: string[] }, params: unknown[], alias = ''): string {
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  params.push(terms.grams);
  const parts = [`${col('search_grams')} @> $${params.length}::text[]`];
  for (const w of terms.words) {
    params.push(`%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    parts.push(`${col('search_text')} like $${params.length}`);
  }
  return `(${parts.join(' and ')})`;
}
