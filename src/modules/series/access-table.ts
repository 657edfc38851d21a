/**
 * Who may reach each route of the series module: checked against the routes the app registers
 * and probed with every role by src/authorization.test.ts.
 */
import type { AccessRow } from '../../testing/access-table.ts';

const STAFF = 'admin|plan_manager|staff';
const MANAGERS = 'admin|plan_manager';

export const accessTable: AccessRow[] = [
  ['GET', '/api/v1/series', 'public'],
  ['GET', '/api/v1/series/:name', 'public'],
  ['POST', '/api/v1/series/:name/values', STAFF],
  ['POST', '/api/v1/series/:name/import', STAFF],
  ['GET', '/api/v1/staff/series/pending', STAFF],
  ['POST', '/api/v1/series/values/:id/approve', MANAGERS],
  ['POST', '/api/v1/series/values/:id/reject', MANAGERS],
  ['GET', '/opendata/series.csv', 'public'],
  ['GET', '/opendata/series.json', 'public'],
  // Pages
  ['GET', '/series', 'public'],
  ['GET', '/staff/series', STAFF],
  ['POST', '/staff/series/values', STAFF],
  ['POST', '/staff/series/values/:id/approve', MANAGERS],
  ['POST', '/staff/series/values/:id/reject', MANAGERS],
];
