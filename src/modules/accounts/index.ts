/** 利用者管理 — accounts: sign-up, sign-in with two-factor, sessions, API tokens and administration. */
import type { HibikiModule } from '../module.ts';
import { accountsMessages } from './accounts.messages.ts';
import { accountsRoutes } from './accounts.routes.ts';
import { seedDemoAccounts } from './accounts.service.ts';
import { authenticator, SESSION_IDLE_SETTING, sessionSweepJob } from './accounts.sessions.ts';
import { passwordResetJob } from './accounts.recovery.ts';

export const accountsModule: HibikiModule = {
  name: 'accounts',
  migrations: new URL('./migrations/', import.meta.url),
  routes: accountsRoutes,
  messages: [accountsMessages],
  authenticator,
  jobs: (deps) => [passwordResetJob(deps), sessionSweepJob()],
  settings: [SESSION_IDLE_SETTING],
  nav: [{ href: '/admin', label: { ja: '管理', en: 'Administration' }, audience: ['admin'] }],
  seedDemo: (tx, tenant) => seedDemoAccounts(tx, tenant),
};
