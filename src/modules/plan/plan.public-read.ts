/**
 * Public reads of plan data (API, open data, and pages for visitors who are not signed in):
 * a weak ETag from the plan's data version and what varies the body (URL, language), 304 when
 * the client already has it, and the body itself kept per ETag, so a repeated read costs one
 * version check. Every change to plan data bumps the version (see publicPlanVersion).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from '../../core/db/database.ts';
import { VersionedCache } from '../../core/data-version.ts';
import { publicPlanVersion } from './plan.service.ts';

const bodies = new VersionedCache<string>(500);

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';

/** Sends a public, versioned read; produce() runs only when no body for this version is kept. */
export async function sendPlanRead(
  db: Sql,
  request: FastifyRequest,
  reply: FastifyReply,
  type: string,
  produce: () => Promise<string>,
): Promise<FastifyReply> {
  const version = await publicPlanVersion(db, request.tenant.id);
  const etag = `W/"${createHash('sha1').update(`${request.tenant.id}|${version}|${type}|${request.url}|${request.lang}`).digest('base64url')}"`;
  reply.header('etag', etag).header('cache-control', 'no-cache').header('vary', 'accept-language, cookie');
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  let body = bodies.get(etag);
  if (body === undefined) {
    body = await produce();
    bodies.set(etag, body);
  }
  return reply.type(type).send(body);
}
