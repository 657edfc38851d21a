/** 市民意識調査 — citizen perception surveys: the measuring instrument behind each section's 市民の実感 and indicator 6-1-3. */
import type { HibikiModule } from '../module.ts';
import { surveysMessages, surveysPageMessages, surveysViewMessages } from './surveys.messages.ts';
import { positiveShareMetric, sectionPanels } from './surveys.metric.ts';
import { surveysRoutes } from './surveys.routes.ts';
import { seedDemoSurveys } from './surveys.seed.ts';
import { settleJob, SURVEYS_SCOPE } from './surveys.service.ts';

export const surveysModule: HibikiModule = {
  name: 'surveys',
  migrations: new URL('./migrations/', import.meta.url),
  routes: surveysRoutes,
  metrics: [positiveShareMetric],
  jobs: () => [settleJob()],
  nav: [
    { href: '/surveys', label: { ja: '市民意識調査', en: 'Resident surveys' }, audience: 'everyone' },
    { href: '/staff/surveys', label: { ja: '調査の管理', en: 'Survey management' }, audience: ['staff', 'plan_manager', 'admin'] },
  ],
  messages: [surveysMessages, surveysPageMessages, surveysViewMessages],
  seedDemo: seedDemoSurveys,
  sectionPanels: { scopes: [SURVEYS_SCOPE], panels: sectionPanels },
};
