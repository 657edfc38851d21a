/**
 * Who may reach each route of the accounts module: checked against the routes the app registers
 * and probed with every role by src/authorization.test.ts. A new route goes here first.
 */
import type { AccessRow } from '../../testing/access-table.ts';

export const accessTable: AccessRow[] = [
  ['GET', '/signup', 'public'],
  ['POST', '/signup', 'public'],
  ['GET', '/signup/sent', 'public'],
  ['POST', '/signup/resend', 'public'],
  ['GET', '/verify-email', 'public'],
  ['GET', '/account/set-password', 'public'],
  ['POST', '/account/set-password', 'public'],
  ['GET', '/login', 'public'],
  ['POST', '/login', 'public'],
  ['GET', '/login/two-factor', 'public'],
  ['POST', '/login/two-factor', 'public'],
  ['GET', '/login/link', 'public'],
  ['POST', '/login/link', 'public'],
  ['GET', '/account/two-factor/setup', 'public'],
  ['POST', '/account/two-factor/setup', 'public'],
  ['POST', '/logout', 'public'],
  ['GET', '/account', 'user'],
  ['POST', '/account/tokens', 'user'],
  ['POST', '/account/tokens/:id/revoke', 'user'],
  ['GET', '/api/v1/tokens', 'user'],
  ['POST', '/api/v1/tokens', 'user'],
  ['DELETE', '/api/v1/tokens/:id', 'user'],
  ['GET', '/admin', 'admin'],
  ['GET', '/admin/users', 'admin'],
  ['GET', '/admin/users/new', 'admin'],
  ['POST', '/admin/users/new', 'admin'],
  ['POST', '/admin/users/:id/disable', 'admin'],
  ['GET', '/admin/outbox', 'admin'],
];
