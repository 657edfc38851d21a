/** 自治体の管理 — the municipality's names, hosts and settings, its departments, and scheduled jobs. */
import type { HibikiModule } from '../module.ts';
import { adminMessages } from './admin.messages.ts';
import { adminRoutes } from './admin.routes.ts';

export const adminModule: HibikiModule = {
  name: 'admin',
  routes: adminRoutes,
  messages: [adminMessages],
};
