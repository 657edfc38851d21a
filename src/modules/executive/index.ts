/**
 * トップマネジメント — the executive view for the mayor's office and the plan managers (every
 * indicator's grade, progress and projection, changes since last month, the services' alerts),
 * the alert and monthly digest mails, and the open-data catalogue with its licence.
 */
import type { SettingDefinition } from '../../core/settings.ts';
import type { HibikiModule } from '../module.ts';
import { executiveJobs } from './executive.jobs.ts';
import { executiveMessages } from './executive.messages.ts';
import { executiveRoutes } from './executive.routes.ts';
import { openDataLicence } from './executive.opendata.ts';
import { APPLICATION_DAYS, LICENCE, LICENCES, RECIPIENTS } from './executive.service.ts';

const settings: SettingDefinition[] = [
  { key: RECIPIENTS, type: 'text', default: '', maxLength: 2000, label: executiveMessages['executive.setting.recipients'] },
  { key: APPLICATION_DAYS, type: 'integer', default: 14, min: 1, max: 365, label: executiveMessages['executive.setting.applicationDays'] },
  {
    key: LICENCE,
    type: 'choice',
    default: 'cc-by-4.0',
    choices: Object.entries(LICENCES).map(([value, l]) => ({ value, label: { ja: l.name, en: l.name } })),
    label: executiveMessages['opendata.setting.licence'],
  },
];

export const executiveModule: HibikiModule = {
  name: 'executive',
  migrations: new URL('./migrations/', import.meta.url),
  routes: executiveRoutes,
  openDataLicence,
  jobs: (deps) => executiveJobs(deps),
  nav: [
    { href: '/staff/executive', label: executiveMessages['executive.nav'], audience: ['plan_manager', 'admin'] },
    { href: '/opendata', label: executiveMessages['opendata.nav'], audience: 'everyone' },
  ],
  messages: [executiveMessages],
  settings,
};
