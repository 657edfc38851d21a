/** 利用者管理 — accounts: sign-up, sign-in with two-factor, API tokens and administration. */
import type { HibikiModule } from '../module.ts';
import { accountsRoutes } from './accounts.routes.ts';
import { seedDemoAccounts } from './accounts.service.ts';

export const accountsModule: HibikiModule = {
  name: 'accounts',
  routes: accountsRoutes,
  seedDemo: (tx, tenant) => seedDemoAccounts(tx, tenant),
};
