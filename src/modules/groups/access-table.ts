/**
 * Who may reach each route of the groups module: checked against the routes the app registers
 * and probed with every role by src/authorization.test.ts.
 */
import type { AccessRow } from '../../testing/access-table.ts';

const STAFF = 'admin|plan_manager|staff';

export const accessTable: AccessRow[] = [
  // API
  ['POST', '/api/v1/groups/applications', 'citizen'],
  ['GET', '/api/v1/my/groups', 'citizen'],
  ['GET', '/api/v1/my/groups/:id', 'citizen'],
  ['POST', '/api/v1/my/groups/:id/resubmit', 'citizen'],
  ['POST', '/api/v1/my/groups/:id/changes', 'citizen'],
  ['POST', '/api/v1/my/groups/:id/renewal', 'citizen'],
  ['POST', '/api/v1/my/groups/:id/deregister', 'citizen'],
  ['GET', '/api/v1/groups', 'public'],
  ['GET', '/api/v1/groups/:number', 'public'],
  ['GET', '/opendata/groups.csv', 'public'],
  ['GET', '/opendata/groups.json', 'public'],
  ['GET', '/api/v1/staff/groups', STAFF],
  ['GET', '/api/v1/staff/groups/:id', STAFF],
  ['POST', '/api/v1/groups/:id/approve', STAFF],
  ['POST', '/api/v1/groups/:id/return', STAFF],
  ['POST', '/api/v1/groups/:id/refuse', STAFF],
  ['POST', '/api/v1/groups/:id/renew', STAFF],
  ['POST', '/api/v1/groups/:id/deregister', STAFF],
  ['POST', '/api/v1/groups/:id/approve-change', STAFF],
  ['POST', '/api/v1/groups/:id/reject-change', STAFF],
  ['POST', '/api/v1/groups/import', STAFF],
  // Pages
  ['GET', '/groups', 'public'],
  ['GET', '/groups/:number', 'public'],
  ['GET', '/groups/apply', 'citizen'],
  ['POST', '/groups/apply', 'citizen'],
  ['GET', '/my/groups', 'citizen'],
  ['GET', '/my/groups/:id', 'citizen'],
  ['GET', '/my/groups/:id/edit', 'citizen'],
  ['POST', '/my/groups/:id/edit', 'citizen'],
  ['POST', '/my/groups/:id/renewal', 'citizen'],
  ['POST', '/my/groups/:id/deregister', 'citizen'],
  ['GET', '/group-files/:fileId', 'user'],
  ['GET', '/staff/groups', STAFF],
  ['GET', '/staff/groups/import', STAFF],
  ['POST', '/staff/groups/import', STAFF],
  ['GET', '/staff/groups/:id', STAFF],
  ['POST', '/staff/groups/:id/:action', STAFF],
];
