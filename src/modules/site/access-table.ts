/**
 * Who may reach each route of the site module: checked against the routes the app registers
 * and probed with every role by src/authorization.test.ts. A new route goes here first.
 */
import type { AccessRow } from '../../testing/access-table.ts';

export const accessTable: AccessRow[] = [
  ['GET', '/', 'public'],
  ['GET', '/start', 'user'],
  ['GET', '/accessibility', 'public'],
  ['GET', '/privacy', 'public'],
  ['GET', '/api/openapi.json', 'public'],
  ['GET', '/api/docs', 'public'],
];
