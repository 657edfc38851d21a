/**
 * Plan documents written in YAML, read so that no document can make the server do more than
 * linear work: only `POST /api/v1/plans` accepts YAML (its own scope), the body is read only
 * after the route's role check (core/access.ts, onRequest), it has a small size limit of its
 * own, a linear scan caps its keys and entries before the parser sees it, and the parser runs
 * without its duplicate-key check (quadratic in the keys of a map: 40,000 keys held the server
 * for 25 s) and with few aliases (no "billion laughs"). A duplicated key keeps its last value,
 * as JSON.parse does.
 */
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../../core/errors.ts';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/** Bytes of a YAML plan document (the chapter-6 plan is 15 KB). */
export const YAML_BODY_LIMIT = 256 * 1024;

/** Mapping keys (":" and "?") and entries ("-", ",", lines) of a YAML plan document (chapter 6: 208 keys, 233 lines). */
export const YAML_SHAPE = { maxKeys: 5_000, maxEntries: 20_000 };

/**
 * Throws 413 when the text may hold more keys or entries than allowed. Counts characters, so
 * it over-counts (a ":" inside a text counts) and is linear in the text.
 */
export function checkYamlShape(text: string, shape = YAML_SHAPE): void {
  let keys = 0;
  let entries = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a || c === 0x3f) keys++; // : ?
    else if (c === 0x2d || c === 0x2c || c === 0x0a) entries++; // - , newline
  }
  if (keys > shape.maxKeys) {
    throw new AppError('payload_too_large', { ja: `YAML の項目が多すぎます（${shape.maxKeys}個まで）`, en: `More than ${shape.maxKeys} YAML keys` });
  }
  if (entries > shape.maxEntries) {
    throw new AppError('payload_too_large', { ja: `YAML の要素が多すぎます（${shape.maxEntries}個まで）`, en: `More than ${shape.maxEntries} YAML entries` });
  }
}

/** Reads a YAML plan document (400 when it is not YAML, 413 when it is too large to read). */
export function parsePlanYaml(text: string): unknown {
  checkYamlShape(text);
  try {
    return parseYaml(text, { uniqueKeys: false, maxAliasCount: 100, prettyErrors: false });
  } catch {
    throw new AppError('bad_request', { ja: 'YAML として読み取れません', en: 'The body is not valid YAML' });
  }
}

/** Lets the routes of this scope take YAML bodies (only the plan import's scope calls it). */
export function acceptPlanYaml(scope: FastifyInstance): void {
  scope.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: YAML_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parsePlanYaml(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
