/**
 * Who may reach each route of the surveys module: checked against the routes the app
 * registers and probed with every role by src/authorization.test.ts.
 */
import type { AccessRow } from '../../testing/access-table.ts';

const STAFF = 'admin|plan_manager|staff';

export const accessTable: AccessRow[] = [
  // API
  ['POST', '/api/v1/surveys', STAFF],
  ['GET', '/api/v1/surveys', 'public'],
  ['GET', '/api/v1/surveys/:code', 'public'],
  ['POST', '/api/v1/surveys/:code/open', STAFF],
  ['POST', '/api/v1/surveys/:code/close', STAFF],
  ['POST', '/api/v1/surveys/:code/publish', STAFF],
  ['POST', '/api/v1/surveys/:code/invitations', STAFF],
  ['POST', '/api/v1/surveys/:code/responses', 'public'],
  ['GET', '/api/v1/surveys/:code/results', 'public'],
  ['PUT', '/api/v1/surveys/:code/strata', STAFF],
  ['GET', '/api/v1/surveys/:code/tallies/verify', STAFF],
  ['POST', '/api/v1/surveys/:code/import', STAFF],
  ['GET', '/opendata/surveys/:code/answers.csv', 'public'],
  ['GET', '/opendata/surveys/:code/answers.json', 'public'],
  ['GET', '/opendata/surveys/:code/results.csv', 'public'],
  ['GET', '/opendata/surveys/:code/results.json', 'public'],
  // Pages
  ['GET', '/surveys', 'public'],
  ['GET', '/surveys/:code', 'public'],
  ['GET', '/surveys/:code/answer', 'public'],
  ['POST', '/surveys/:code/answer', 'public'],
  ['GET', '/surveys/:code/thanks', 'public'],
  ['GET', '/staff/surveys', STAFF],
  ['POST', '/staff/surveys', STAFF],
  ['GET', '/staff/surveys/:code', STAFF],
  ['POST', '/staff/surveys/:code/open', STAFF],
  ['POST', '/staff/surveys/:code/close', STAFF],
  ['POST', '/staff/surveys/:code/publish', STAFF],
  ['POST', '/staff/surveys/:code/invitations', STAFF],
  ['POST', '/staff/surveys/:code/import', STAFF],
  ['GET', '/staff/surveys/:code/preview', STAFF],
  ['GET', '/staff/surveys/:code/paper', STAFF],
  ['POST', '/staff/surveys/:code/paper', STAFF],
];
