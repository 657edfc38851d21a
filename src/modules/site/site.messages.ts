/** Messages of the start page every signed-in person lands on. */
import { defineMessages } from '../../core/i18n.ts';

export const siteMessages = defineMessages({
  'start.title': { ja: 'マイページ', en: 'My page' },
  'start.greeting': { ja: '{name} さん、ようこそ。', en: 'Welcome, {name}.' },
  'start.role': { ja: '役割：{role}', en: 'Role: {role}' },
  'start.role.citizen': { ja: '市民', en: 'Citizen' },
  'start.role.staff': { ja: '担当課の職員', en: 'Department staff' },
  'start.role.plan_manager': { ja: '政策推進課（計画の管理）', en: 'Plan manager' },
  'start.role.admin': { ja: '管理者', en: 'Administrator' },
  'start.department': { ja: '所属：{department}', en: 'Department: {department}' },
  'start.alerts': { ja: '注意が必要なこと', en: 'Needs attention' },
  'start.tasks': { ja: 'あなたの仕事', en: 'Your work' },
  'start.nothing': { ja: '今、対応が必要なものはありません。', en: 'Nothing needs your attention now.' },
  'start.count': { ja: '{count}件', en: '{count}' },
  'start.tools': { ja: '使える機能', en: 'Your tools' },
  'start.account': { ja: 'アカウントの設定（パスワード・二段階認証・APIトークン）', en: 'Account settings (password, two-factor, API tokens)' },
});
