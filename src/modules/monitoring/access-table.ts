/**
 * Who may reach each route of the monitoring module: checked against the routes the app
 * registers and probed with every role by src/authorization.test.ts.
 */
import type { AccessRow } from '../../testing/access-table.ts';

export const accessTable: AccessRow[] = [
  ['POST', '/api/v1/monitoring/checks', 'admin'],
  ['GET', '/api/v1/monitoring/checks', 'admin'],
  ['GET', '/api/v1/monitoring/checks/:id', 'admin'],
  ['PATCH', '/api/v1/monitoring/checks/:id', 'admin'],
  ['DELETE', '/api/v1/monitoring/checks/:id', 'admin'],
  ['GET', '/api/v1/monitoring/checks/:id/results', 'admin'],
  ['GET', '/api/v1/monitoring/checks/:id/incidents', 'admin'],
  ['POST', '/api/v1/monitoring/maintenance', 'admin'],
  ['POST', '/api/v1/monitoring/maintenance/:id/stop', 'admin'],
  ['GET', '/api/v1/monitoring/maintenance', 'public'],
  ['GET', '/api/v1/monitoring/availability', 'public'],
  ['GET', '/api/v1/monitoring/status', 'public'],
  ['GET', '/api/v1/monitoring/incidents', 'public'],
  ['GET', '/api/v1/monitoring/incidents/:id', 'public'],
  ['PATCH', '/api/v1/monitoring/incidents/:id', 'admin|plan_manager|staff'],
  ['GET', '/opendata/monitoring/availability.json', 'public'],
  ['GET', '/opendata/monitoring/availability.csv', 'public'],
  ['GET', '/status', 'public'],
  ['GET', '/status/incidents/:id', 'public'],
  ['GET', '/status/feed.atom', 'public'],
  ['GET', '/admin/monitoring', 'admin'],
  ['GET', '/admin/monitoring/checks/new', 'admin'],
  ['POST', '/admin/monitoring/checks/new', 'admin'],
  ['GET', '/admin/monitoring/checks/:id', 'admin'],
  ['POST', '/admin/monitoring/checks/:id', 'admin'],
  ['POST', '/admin/monitoring/checks/:id/delete', 'admin'],
  ['GET', '/admin/monitoring/maintenance', 'admin'],
  ['POST', '/admin/monitoring/maintenance', 'admin'],
  ['POST', '/admin/monitoring/maintenance/:id/stop', 'admin'],
  ['GET', '/staff/monitoring/incidents', 'admin|plan_manager|staff'],
  ['GET', '/staff/monitoring/incidents/:id', 'admin|plan_manager|staff'],
  ['POST', '/staff/monitoring/incidents/:id', 'admin|plan_manager|staff'],
];
