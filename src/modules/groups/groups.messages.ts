/** Messages of the groups module: Japanese first, English second. */
import { defineMessages } from '../../core/i18n.ts';

export const groupsMessages = defineMessages({
  'groups.nav.directory': { ja: '市民活動団体', en: 'Citizen groups' },
  'groups.nav.mine': { ja: 'わたしの団体', en: 'My group' },
  'groups.nav.staff': { ja: '団体登録の審査', en: 'Group registrations' },
  'groups.setting.department': { ja: '団体登録を審査する課（課のコード）', en: 'Department reviewing group registrations (code)' },
  'groups.setting.termYears': { ja: '団体登録の期間（承認した年度を含む年度数）', en: 'Registration term (fiscal years, the year of approval included)' },
  'groups.setting.renewalDays': { ja: '更新の受付と案内メール（登録期間の終わる何日前から）', en: 'Renewal opens and the reminder goes out (days before the term ends)' },
  'groups.work.applied': { ja: '団体登録の申請 {count}件', en: '{count} group applications' },
  'groups.work.changes': { ja: '団体の登録内容の変更 {count}件', en: '{count} group profile changes' },
  'groups.work.renewals': { ja: '団体登録の更新の申出 {count}件', en: '{count} renewal requests' },
  'groups.work.expiring': { ja: '登録期間が近く終わる団体 {count}件', en: '{count} registrations ending soon' },
});
