/**
 * Japanese first, English second. The language comes from ?lang=, then the `lang` cookie,
 * then Accept-Language, defaulting to Japanese. Modules register their own messages.
 */
export type Lang = 'ja' | 'en';

export type Messages = Record<string, { ja: string; en: string }>;

const registry = new Map<string, { ja: string; en: string }>();

/** Adds messages (key → {ja, en}); a key registered twice is a programming error. */
export function defineMessages<M extends Messages>(messages: M): M {
  for (const [key, value] of Object.entries(messages)) {
    if (registry.has(key) && registry.get(key) !== value) throw new Error(`message ${key} defined twice`);
    registry.set(key, value);
  }
  return messages;
}

/** The message for key in lang, with {name} placeholders filled; the key itself if unknown. */
export function translate(lang: Lang, key: string, params: Record<string, string | number> = {}): string {
  const entry = registry.get(key);
  const text = entry ? entry[lang] : key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Picks the language from an explicit choice, a cookie, or an Accept-Language header. */
export function negotiateLang(explicit: unknown, cookie: unknown, acceptLanguage: string | undefined): Lang {
  for (const v of [explicit, cookie]) if (v === 'ja' || v === 'en') return v;
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.find((p) => p.trim().startsWith('q='));
        return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
      })
      .filter((x) => x.q > 0)
      .sort((a, b) => b.q - a.q);
    for (const { tag } of ranked) {
      if (tag.startsWith('ja')) return 'ja';
      if (tag.startsWith('en')) return 'en';
    }
  }
  return 'ja';
}
