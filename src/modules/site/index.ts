/** The site's own pages: home, accessibility policy, privacy policy and the API docs. */
import type { HibikiModule } from '../module.ts';
import { siteRoutes } from './site.routes.ts';

export const siteModule: HibikiModule = {
  name: 'site',
  routes: siteRoutes,
};
