/** The procedures pages (server-rendered, no JavaScript). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../module.ts';

export function procedurePageRoutes(_app: FastifyInstance, _deps: AppDeps): void {}
