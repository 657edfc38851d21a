/**
 * Request bodies, bounded before anything parses them: a linear scan counts a JSON body's keys,
 * values and nesting depth (and a form's fields) and refuses one over the route's limits with
 * 413, so no body can make the server do quadratic work. Limits are generous for forms and API
 * calls; a route that takes a large document (a plan import) names its own in
 * `config.bodyShape`. Route access is checked before this runs (onRequest), so the anonymous
 * never get a body parsed at all.
 */
import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

export interface BodyShape {
  /** Object keys in the whole body. */
  maxKeys: number;
  /** Array elements and values in the whole body. */
  maxValues: number;
  /** Nesting of objects and arrays. */
  maxDepth: number;
}

export const DEFAULT_BODY_SHAPE: BodyShape = { maxKeys: 2_000, maxValues: 20_000, maxDepth: 32 };
/** Fields of a urlencoded form. */
export const MAX_FORM_FIELDS = 1_000;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Limits for this route's JSON body (default DEFAULT_BODY_SHAPE). */
    bodyShape?: BodyShape;
  }
}

const tooLarge = (what: { ja: string; en: string }) => new AppError('payload_too_large', what);

/** Throws 413 when the JSON text has more keys, values or depth than allowed. Linear in the text. */
export function checkJsonShape(text: string, shape: BodyShape): void {
  let keys = 0;
  let values = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    switch (c) {
      case 0x22: // "
        inString = true;
        break;
      case 0x7b: // {
      case 0x5b: // [
        if (++depth > shape.maxDepth) throw tooLarge({ ja: `入れ子が深すぎます（${shape.maxDepth}段まで）`, en: `Nested deeper than ${shape.maxDepth} levels` });
        values++;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
        break;
      case 0x3a: // :
        if (++keys > shape.maxKeys) throw tooLarge({ ja: `項目が多すぎます（${shape.maxKeys}個まで）`, en: `More than ${shape.maxKeys} keys` });
        break;
      case 0x2c: // ,
        if (++values > shape.maxValues) throw tooLarge({ ja: `値が多すぎます（${shape.maxValues}個まで）`, en: `More than ${shape.maxValues} values` });
        break;
    }
  }
}

/** Reads a urlencoded form after counting its fields (413 beyond MAX_FORM_FIELDS). */
export function parseFormBody(text: string): Record<string, unknown> {
  let fields = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x26) fields++;
  if (fields > MAX_FORM_FIELDS) throw tooLarge({ ja: `入力項目が多すぎます（${MAX_FORM_FIELDS}個まで）`, en: `More than ${MAX_FORM_FIELDS} form fields` });
  return parseQuery(text, '&', '=', { maxKeys: MAX_FORM_FIELDS }) as Record<string, unknown>;
}

/** Replaces Fastify's JSON parser with one that checks the body's shape first. */
export function installBoundedJson(app: FastifyInstance): void {
  const defaultParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request: FastifyRequest, body, done) => {
    try {
      checkJsonShape(body as string, request.routeOptions.config?.bodyShape ?? DEFAULT_BODY_SHAPE);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    defaultParser(request, body as string, done);
  });
}
