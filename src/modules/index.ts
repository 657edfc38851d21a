/** The modules the app is built from, in the order their routes and demo data are set up. */
import type { HibikiModule } from './module.ts';
import { accountsModule } from './accounts/index.ts';
import { siteModule } from './site/index.ts';
import { planModule } from './plan/index.ts';
import { adminModule } from './admin/index.ts';
import { surveysModule } from './surveys/index.ts';
import { proposalsModule } from './proposals/index.ts';
import { groupsModule } from './groups/index.ts';
import { proceduresModule } from './procedures/index.ts';
import { facilitiesModule } from './facilities/index.ts';
import { seriesModule } from './series/index.ts';
import { monitoringModule } from './monitoring/index.ts';
import { executiveModule } from './executive/index.ts';

export const modules: HibikiModule[] = [
  siteModule,
  accountsModule,
  planModule,
  adminModule,
  surveysModule,
  proposalsModule,
  groupsModule,
  proceduresModule,
  facilitiesModule,
  seriesModule,
  monitoringModule,
  executiveModule,
];
