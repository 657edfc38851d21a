/** The shell's own messages (header, footer, forms, errors, shared pages). */
import { defineMessages } from './i18n.ts';

export const coreMessages = defineMessages({
  'shell.siteName': { ja: '響き Hibiki', en: 'Hibiki' },
  'shell.skipToContent': { ja: '本文へ移動', en: 'Skip to main content' },
  'shell.mainNav': { ja: 'メインメニュー', en: 'Main menu' },
  'shell.breadcrumbs': { ja: 'パンくずリスト', en: 'Breadcrumbs' },
  'shell.signIn': { ja: 'ログイン', en: 'Sign in' },
  'shell.signUp': { ja: '新規登録', en: 'Create account' },
  'shell.signOut': { ja: 'ログアウト', en: 'Sign out' },
  'shell.home': { ja: 'ホーム', en: 'Home' },
  'shell.accessibility': { ja: 'ウェブアクセシビリティ方針', en: 'Accessibility policy' },
  'shell.privacy': { ja: 'プライバシーポリシー', en: 'Privacy policy' },
  'shell.apiDocs': { ja: 'API仕様', en: 'API documentation' },
  'shell.footerNote': {
    ja: '{city}　総合計画「市民協働のまちづくり」推進プラットフォーム',
    en: '{city} — platform for the comprehensive plan chapter "Citizen collaboration"',
  },
  'form.errorSummaryTitle': { ja: '入力内容を確認してください', en: 'There is a problem' },
  'error.requestId': { ja: '問い合わせ番号', en: 'Reference' },
  'error.backHome': { ja: 'ホームへ戻る', en: 'Back to the home page' },
  'home.heading': { ja: '市民協働のまちづくり', en: 'Citizen collaboration' },
  'home.lead': {
    ja: '{city}の総合計画 第6章「市民協働のまちづくり（協働・行政経営）」の進み具合と、市民参加の窓口です。',
    en: 'Progress of chapter 6 of the {city} comprehensive plan, "Citizen collaboration and administrative management", and the ways to take part.',
  },
  'docs.title': { ja: 'API仕様', en: 'API documentation' },
  'docs.lead': {
    ja: 'JSON API の一覧です。機械可読な OpenAPI 3 文書は /api/openapi.json にあります。',
    en: 'The JSON API. The machine-readable OpenAPI 3 document is at /api/openapi.json.',
  },
  'docs.method': { ja: 'メソッド', en: 'Method' },
  'docs.path': { ja: 'パス', en: 'Path' },
  'docs.summary': { ja: '説明', en: 'Summary' },
  'docs.auth': { ja: '認証', en: 'Authentication' },
  'docs.caption': { ja: 'エンドポイント一覧', en: 'Endpoints' },
});
