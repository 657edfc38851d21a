/** Messages of the plan's English texts (issue 14): the editing forms' English fields. */
import { defineMessages } from '../../core/i18n.ts';

export const planEnglishMessages = defineMessages({
  'plan.edit.inEnglish': { ja: '{field}（英語・任意）', en: '{field} in English (optional)' },
  'plan.edit.englishHint': {
    ja: '英語のページに表示します。空欄のときは日本語を表示します。',
    en: 'Shown on English pages; when blank, the Japanese text is shown.',
  },
  'plan.edit.englishLinesHint': {
    ja: '日本語の項目と同じ順に1行に1項目。訳さない項目は空行にします。空欄の項目は日本語で表示します。',
    en: 'One item a line, in the order of the Japanese items; leave a line blank for an item not translated (it is shown in Japanese).',
  },
});
