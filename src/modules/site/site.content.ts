/** Texts of the accessibility and privacy pages, in Japanese and English. */
import type { Lang } from '../../core/i18n.ts';

export interface StaticPage {
  title: string;
  blocks: { heading?: string; paragraphs?: string[]; items?: string[] }[];
}

export const accessibilityPage: Record<Lang, StaticPage> = {
  ja: { title: 'ウェブアクセシビリティ方針', blocks: [{ paragraphs: ['準備中'] }] },
  en: { title: 'Accessibility policy', blocks: [{ paragraphs: ['In preparation'] }] },
};

export const privacyPage: Record<Lang, StaticPage> = {
  ja: { title: 'プライバシーポリシー', blocks: [{ paragraphs: ['準備中'] }] },
  en: { title: 'Privacy policy', blocks: [{ paragraphs: ['In preparation'] }] },
};
