/**
 * Who may reach each route of the admin module: checked against the routes the app registers
 * and probed with every role by src/authorization.test.ts. A new route goes here first.
 */
import type { AccessRow } from '../../testing/access-table.ts';

export const accessTable: AccessRow[] = [
  ['GET', '/admin/municipality', 'admin'],
  ['POST', '/admin/municipality', 'admin'],
  ['GET', '/admin/departments', 'admin'],
  ['POST', '/admin/departments', 'admin'],
  ['GET', '/admin/departments/:code', 'admin'],
  ['POST', '/admin/departments/:code', 'admin'],
  ['POST', '/admin/departments/:code/retire', 'admin'],
  ['POST', '/admin/departments/:code/reinstate', 'admin'],
  ['GET', '/admin/jobs', 'admin'],
  ['GET', '/admin/audit', 'admin'],
  ['POST', '/admin/audit/verify', 'admin'],
  ['GET', '/admin/audit.csv', 'admin'],
  ['POST', '/admin/jobs/run', 'admin'],
];
