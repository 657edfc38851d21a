/** 市民活動支援センター 団体登録 — the citizen-group registry and its public directory. */
import { SettingsRegistry, type SettingDefinition } from '../../core/settings.ts';
import type { HibikiModule } from '../module.ts';
import { groupsCli } from './groups.cli.ts';
import { dailyJob } from './groups.jobs.ts';
import { groupsMessages } from './groups.messages.ts';
import { registeredMetric, workItemsOf } from './groups.metric.ts';
import { REGISTRY_DEPARTMENT, RENEWAL_DAYS, TERM_YEARS } from './groups.policy.ts';
import { groupsRoutes } from './groups.routes.ts';
import { seedDemoGroups } from './groups.seed.ts';

const settings: SettingDefinition[] = [
  { key: REGISTRY_DEPARTMENT, type: 'text', default: 'shimin-kyodo', maxLength: 40, label: groupsMessages['groups.setting.department'] },
  { key: TERM_YEARS, type: 'integer', default: 1, min: 1, max: 3, label: groupsMessages['groups.setting.termYears'] },
  { key: RENEWAL_DAYS, type: 'integer', default: 60, min: 0, max: 180, label: groupsMessages['groups.setting.renewalDays'] },
];

export const groupsModule: HibikiModule = {
  name: 'groups',
  migrations: new URL('./migrations/', import.meta.url),
  routes: groupsRoutes,
  metrics: [registeredMetric],
  jobs: (deps) => [dailyJob(deps)],
  nav: [
    { href: '/groups', label: groupsMessages['groups.nav.directory'], audience: 'everyone' },
    { href: '/my/groups', label: groupsMessages['groups.nav.mine'], audience: ['citizen'] },
    { href: '/staff/groups', label: groupsMessages['groups.nav.staff'], audience: ['staff', 'plan_manager', 'admin'] },
  ],
  messages: [groupsMessages],
  settings,
  cli: groupsCli,
  seedDemo: seedDemoGroups,
  // The module's own settings are all the work list reads (the registry knows their defaults).
  workItems: workItemsOf(new SettingsRegistry(settings)),
};
