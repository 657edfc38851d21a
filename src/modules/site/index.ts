/** The site's own pages: home, accessibility policy, privacy policy and the API docs. */
import type { HibikiModule } from '../module.ts';
import { siteMessages } from './site.messages.ts';
import { siteRoutes } from './site.routes.ts';

export const siteModule: HibikiModule = {
  name: 'site',
  routes: siteRoutes,
  messages: [siteMessages],
  nav: [{ href: '/start', label: { ja: 'マイページ', en: 'My page' }, audience: ['citizen', 'staff', 'plan_manager', 'admin'] }],
};
