/**
 * Who may reach each route of the executive module: checked against the routes the app
 * registers and probed with every role by src/authorization.test.ts.
 */
import type { AccessRow } from '../../testing/access-table.ts';

export const accessTable: AccessRow[] = [
  ['GET', '/staff/executive', 'admin|plan_manager'],
  ['GET', '/opendata', 'public'],
  ['GET', '/opendata/catalogue.json', 'public'],
];
