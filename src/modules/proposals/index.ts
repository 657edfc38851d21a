/** 市民提案推進システム — the citizen proposal system: from a citizen's idea to an implemented, counted result. */
import type { HibikiModule } from '../module.ts';
import { proposalsMessages } from './proposals.messages.ts';
import { implementedMetric, sectionPanels, workItems } from './proposals.metric.ts';
import { ANSWER_DAYS, REMINDER_DAYS, reminderJob } from './proposals.notify.ts';
import { proposalsRoutes } from './proposals.routes.ts';
import { seedDemoProposals } from './proposals.seed.ts';
import { PROPOSALS_SCOPE } from './proposals.service.ts';

export const proposalsModule: HibikiModule = {
  name: 'proposals',
  migrations: new URL('./migrations/', import.meta.url),
  routes: proposalsRoutes,
  metrics: [implementedMetric],
  jobs: (deps) => [reminderJob(deps)],
  nav: [
    { href: '/proposals', label: { ja: '市民提案', en: 'Citizen proposals' }, audience: 'everyone' },
    { href: '/my/proposals', label: { ja: 'わたしの提案', en: 'My proposals' }, audience: ['citizen'] },
    { href: '/staff/proposals', label: { ja: '市民提案の処理', en: 'Proposal handling' }, audience: ['staff', 'plan_manager', 'admin'] },
  ],
  messages: [proposalsMessages],
  settings: [
    {
      key: ANSWER_DAYS,
      type: 'integer',
      default: 30,
      min: 1,
      max: 365,
      label: proposalsMessages['proposals.setting.answerDays'],
    },
    {
      key: REMINDER_DAYS,
      type: 'integer',
      default: 7,
      min: 0,
      max: 60,
      label: proposalsMessages['proposals.setting.reminderDays'],
    },
  ],
  seedDemo: seedDemoProposals,
  sectionPanels: { scopes: [PROPOSALS_SCOPE], panels: sectionPanels },
  workItems,
};
