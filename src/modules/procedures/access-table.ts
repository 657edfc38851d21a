/**
 * Who may reach each route of the procedures module: checked against the routes the app
 * registers and probed with every role by src/authorization.test.ts.
 */
import type { AccessRow } from '../../testing/access-table.ts';

const STAFF = 'admin|plan_manager|staff';

export const accessTable: AccessRow[] = [
  // API
  ['POST', '/api/v1/procedures', STAFF],
  ['GET', '/api/v1/procedures', 'public'],
  ['GET', '/api/v1/procedures/statistics', 'public'],
  ['GET', '/opendata/procedures-statistics.csv', 'public'],
  ['GET', '/api/v1/procedures/:code', 'public'],
  ['PUT', '/api/v1/procedures/:code/form', STAFF],
  ['POST', '/api/v1/procedures/:code/publish', STAFF],
  ['PUT', '/api/v1/procedures/:code/counter-counts/:fiscalYear', STAFF],
  ['POST', '/api/v1/procedures/:code/applications', 'public'],
  ['POST', '/api/v1/inquiries', 'public'],
  ['POST', '/api/v1/inquiries/withdraw', 'public'],
  ['POST', '/api/v1/inquiries/correct', 'public'],
  ['GET', '/api/v1/my/applications', 'user'],
  ['GET', '/api/v1/my/applications/:receiptNumber', 'user'],
  ['GET', '/api/v1/my/applications/:receiptNumber/attachments/:id', 'user'],
  ['POST', '/api/v1/inquiries/attachment', 'public'],
  ['POST', '/api/v1/procedures/:code/drafts', 'user'],
  ['GET', '/api/v1/my/procedure-drafts', 'user'],
  ['GET', '/api/v1/my/procedure-drafts/:id', 'user'],
  ['DELETE', '/api/v1/my/procedure-drafts/:id', 'user'],
  ['POST', '/api/v1/procedure-bundles', STAFF],
  ['GET', '/api/v1/procedure-bundles/:code', 'public'],
  ['POST', '/api/v1/procedure-bundles/:code/applications', 'public'],
  ['GET', '/api/v1/staff/applications', STAFF],
  ['GET', '/api/v1/staff/applications.csv', STAFF],
  ['GET', '/api/v1/applications/:receiptNumber', STAFF],
  ['GET', '/api/v1/applications/:receiptNumber/attachments/:id', STAFF],
  ['POST', '/api/v1/applications/:receiptNumber/status', STAFF],
  ['POST', '/api/v1/applications/:receiptNumber/assign', STAFF],
  // Pages
  ['GET', '/procedures', 'public'],
  ['GET', '/procedures/:code/apply', 'public'],
  ['POST', '/procedures/:code/apply', 'public'],
  ['GET', '/inquiry', 'public'],
  ['POST', '/inquiry', 'public'],
  ['POST', '/inquiry/attachments/:id', 'public'],
  ['GET', '/procedures/statistics', 'public'],
  ['GET', '/my/procedures', 'user'],
  ['POST', '/my/procedure-drafts/:id/delete', 'user'],
  ['GET', '/staff/applications', STAFF],
  ['GET', '/staff/applications/:receiptNumber', STAFF],
  ['GET', '/staff/applications/:receiptNumber/attachments/:id', STAFF],
  ['POST', '/staff/applications/:receiptNumber/status', STAFF],
  ['GET', '/staff/procedures', STAFF],
  ['POST', '/staff/procedures', STAFF],
  ['GET', '/staff/procedures/:code', STAFF],
  ['POST', '/staff/procedures/:code', STAFF],
  ['GET', '/staff/procedures/:code/fields/new', STAFF],
  ['POST', '/staff/procedures/:code/fields/new', STAFF],
  ['GET', '/staff/procedures/:code/fields/:index', STAFF],
  ['POST', '/staff/procedures/:code/fields/:index', STAFF],
  ['GET', '/staff/procedures/:code/preview', STAFF],
];
