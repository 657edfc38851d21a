/** 電子申請 — online administrative procedures: forms staff build, applications followed by receipt number and password, the department's workflow, one-stop bundles, and the count behind 6-3-1. */
import type { HibikiModule } from '../module.ts';
import { proceduresJobs } from './procedures.jobs.ts';
import { proceduresMessages } from './procedures.messages.ts';
import { onlineApplicationsMetric, workItems } from './procedures.metric.ts';
import { proceduresRoutes } from './procedures.routes.ts';
import { seedDemoProcedures } from './procedures.seed.ts';

export const proceduresModule: HibikiModule = {
  name: 'procedures',
  migrations: new URL('./migrations/', import.meta.url),
  routes: proceduresRoutes,
  metrics: [onlineApplicationsMetric],
  jobs: proceduresJobs,
  nav: [
    { href: '/procedures', label: { ja: '電子申請', en: 'Online applications' }, audience: 'everyone' },
    { href: '/my/procedures', label: { ja: 'わたしの申請', en: 'My applications' }, audience: ['citizen'] },
    { href: '/staff/procedures', label: { ja: '手続とフォームの作成', en: 'Procedures and forms' }, audience: ['staff', 'plan_manager', 'admin'] },
    { href: '/staff/applications', label: { ja: '電子申請の処理', en: 'Application handling' }, audience: ['staff', 'plan_manager', 'admin'] },
  ],
  messages: [proceduresMessages],
  seedDemo: seedDemoProcedures,
  workItems,
};
