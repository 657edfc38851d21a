/**
 * Who may reach each route of the facilities module: checked against the routes the app
 * registers and probed with every role by src/authorization.test.ts.
 */
import type { AccessRow } from '../../testing/access-table.ts';

const STAFF = 'admin|plan_manager|staff';

export const accessTable: AccessRow[] = [
  ['GET', '/api/v1/facilities', 'public'],
  ['GET', '/api/v1/facilities/totals', 'public'],
  ['GET', '/api/v1/facilities/:id', 'public'],
  ['POST', '/api/v1/facilities/import', STAFF],
  ['POST', '/api/v1/facilities/:id/status', STAFF],
  ['GET', '/opendata/facilities.csv', 'public'],
  ['GET', '/opendata/facilities.json', 'public'],
  // Pages
  ['GET', '/facilities', 'public'],
  ['GET', '/facilities/:id', 'public'],
  ['POST', '/facilities/:id/status', STAFF],
  ['GET', '/staff/facilities/import', STAFF],
  ['POST', '/staff/facilities/import', STAFF],
];
