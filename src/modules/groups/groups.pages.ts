/** The registry's pages (added below). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../module.ts';

export function groupPageRoutes(_app: FastifyInstance, _deps: AppDeps): void {}
