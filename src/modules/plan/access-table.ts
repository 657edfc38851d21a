/**
 * Who may reach each route of the plan module: checked against the routes the app registers
 * and probed with every role by src/authorization.test.ts. A new route goes here first.
 */
import type { AccessRow } from '../../testing/access-table.ts';

export const accessTable: AccessRow[] = [
  ['GET', '/api/v1/plan', 'public'],
  ['GET', '/api/v1/plans', 'public'],
  ['POST', '/api/v1/plans', 'admin|plan_manager'],
  ['GET', '/api/v1/plans/:planCode', 'public'],
  ['GET', '/api/v1/plans/:planCode/export', 'public'],
  ['GET', '/api/v1/indicators', 'public'],
  ['GET', '/api/v1/plans/:planCode/indicators', 'public'],
  ['GET', '/api/v1/indicators/:code', 'public'],
  ['POST', '/api/v1/indicators/:code/actuals', 'admin|plan_manager|staff'],
  ['POST', '/api/v1/indicators/:code/actuals/:id/approve', 'admin|plan_manager'],
  ['POST', '/api/v1/indicators/:code/actuals/:id/reject', 'admin|plan_manager'],
  ['GET', '/opendata/indicators.json', 'public'],
  ['GET', '/opendata/indicators.csv', 'public'],
  ['GET', '/plan', 'public'],
  ['GET', '/plan/sections/:code', 'public'],
  ['GET', '/plan/indicators/:code', 'public'],
  ['GET', '/staff/plan', 'admin|plan_manager|staff'],
  ['GET', '/staff/plan/actuals/new', 'admin|plan_manager|staff'],
  ['POST', '/staff/plan/actuals/new', 'admin|plan_manager|staff'],
  ['GET', '/staff/plan/approvals', 'admin|plan_manager'],
  ['GET', '/staff/plan/approvals/:id', 'admin|plan_manager'],
  ['POST', '/staff/plan/approvals/:id', 'admin|plan_manager'],
  ['GET', '/staff/plan/mine', 'admin|plan_manager|staff'],
  ['GET', '/plan/actuals/:id/evidence', 'public'],
  ['GET', '/staff/plan/import', 'admin|plan_manager|staff'],
  ['POST', '/staff/plan/import', 'admin|plan_manager|staff'],
  ['GET', '/staff/plan/report', 'admin|plan_manager|staff'],
  ['GET', '/staff/plan/report.csv', 'admin|plan_manager|staff'],
];
