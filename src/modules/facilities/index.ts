/** 公共施設台帳 — the public-facility register: 公共施設一覧 import and export, statuses with dates, area totals feeding 6-2-2. */
import type { HibikiModule } from '../module.ts';
import { facilitiesImportCommand } from './facilities.cli.ts';
import { facilitiesMessages } from './facilities.messages.ts';
import { sectionPanels, totalAreaMetric } from './facilities.metric.ts';
import { FACILITIES_SCOPE } from './facilities.service.ts';
import { facilitiesRoutes } from './facilities.routes.ts';
import { seedDemoFacilities } from './facilities.seed.ts';

export const facilitiesModule: HibikiModule = {
  name: 'facilities',
  migrations: new URL('./migrations/', import.meta.url),
  routes: facilitiesRoutes,
  metrics: [totalAreaMetric],
  cli: [facilitiesImportCommand],
  nav: [
    { href: '/facilities', label: { ja: '公共施設', en: 'Public facilities' }, audience: 'everyone' },
  ],
  messages: [facilitiesMessages],
  seedDemo: seedDemoFacilities,
  sectionPanels: { scopes: [FACILITIES_SCOPE], panels: sectionPanels },
};
