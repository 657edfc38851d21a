/** The surveys pages (added below). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../module.ts';

export function surveyPageRoutes(_app: FastifyInstance, _deps: AppDeps): void {}
