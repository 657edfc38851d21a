/** The modules the app is built from, in the order their routes and demo data are set up. */
import type { HibikiModule } from './module.ts';
import { accountsModule } from './accounts/index.ts';
import { siteModule } from './site/index.ts';
import { planModule } from './plan/index.ts';

export const modules: HibikiModule[] = [siteModule, accountsModule, planModule];
