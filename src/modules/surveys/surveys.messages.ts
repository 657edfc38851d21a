/** Messages of the surveys module: Japanese first, English second. */
import { defineMessages } from '../../core/i18n.ts';

export const surveysMessages = defineMessages({
  // ---- errors
  'surveys.error.notFound': { ja: '調査 {code} はありません', en: 'There is no survey {code}' },
  'surveys.error.codeTaken': { ja: '調査コード {code} は使われています', en: 'The survey code {code} is taken' },
  'surveys.error.sectionUnknown': { ja: '政策（節） {code} は現在の計画にありません', en: 'The current plan has no section {code}' },
  'surveys.error.indicatorUnknown': { ja: '指標 {code} は現在の計画にありません', en: 'The current plan has no indicator {code}' },
  'surveys.error.state': { ja: 'この調査は「{state}」のため、この操作はできません', en: 'The survey is {state}: this cannot be done now' },
  'surveys.error.notOpen': { ja: 'この調査は回答を受け付けていません（{state}）', en: 'This survey is not taking answers ({state})' },
  'surveys.error.unknownInvitation': {
    ja: '回答用コードが見つかりません。お手元の依頼状に記載のコードをご確認ください',
    en: 'This invitation code is unknown; check the code printed on your letter',
  },
  'surveys.error.usedInvitation': { ja: 'この回答用コードでは既に回答済みです（回答は1コードにつき1回です）', en: 'This code has already been used (one answer per code)' },
  'surveys.error.unknownQuestion': { ja: '設問 {code} はこの調査にありません', en: 'The survey has no question {code}' },
  'surveys.error.required': { ja: 'この設問は回答が必要です', en: 'This question needs an answer' },
  'surveys.error.unknownChoice': { ja: '選択肢「{value}」はこの設問にありません', en: 'The question has no choice “{value}”' },
  'surveys.error.oneChoice': { ja: '選択肢は1つだけ選んでください', en: 'Choose one choice only' },
  'surveys.error.duplicateChoice': { ja: '同じ選択肢が2回選ばれています', en: 'A choice is given twice' },
  'surveys.error.number': { ja: '数値で入力してください', en: 'Enter a number' },
  'surveys.error.text': { ja: '{max}文字以内の文字列で入力してください', en: 'Enter text of at most {max} characters' },
  'surveys.error.paperStaff': { ja: '紙の回答の入力は職員だけが行えます', en: 'Only staff key in paper answers' },
  'surveys.error.csvEmpty': { ja: 'CSVにデータ行がありません', en: 'The CSV has no data rows' },
  'surveys.error.csvParse': { ja: 'CSVとして読み取れません：{reason}', en: 'The file is not readable as CSV: {reason}' },
  'surveys.error.csvCodeColumn': { ja: '回答用コードの列（「回答用コード」または invitation）がありません', en: 'There is no invitation column (回答用コード or invitation)' },
  'surveys.error.csvColumn': { ja: '列「{name}」は設問にも属性にもありません', en: 'The column “{name}” is neither a question nor an attribute' },
  'surveys.error.csvDuplicate': { ja: 'この回答用コードは {line} 行目にもあります', en: 'This code is also on line {line}' },
  'surveys.error.csvImportFailed': { ja: '誤りのある行があるため、何も取り込んでいません（{count}件）', en: 'Nothing was imported: {count} problems' },
  'surveys.state.draft': { ja: '準備中', en: 'draft' },
  'surveys.state.open': { ja: '回答受付中', en: 'open' },
  'surveys.state.closed': { ja: '受付終了', en: 'closed' },
  'surveys.state.published': { ja: '結果公表', en: 'published' },
});

export const surveysPageMessages = defineMessages({
  'surveys.panel.heading': { ja: 'この政策に対する市民の実感（市民意識調査）', en: 'How citizens feel about this policy (resident survey)' },
  'surveys.panel.lead': {
    ja: '{year}の調査では、肯定的な回答（とても感じる＋まあまあ感じる）が{share}でした（回答者{n}人）。',
    en: 'In the {year} survey, {share} answered positively (strongly or somewhat feel so; {n} respondents).',
  },
  'surveys.panel.caption': { ja: '「{question}」への回答の割合（年度別、小数第1位で四捨五入しているため合計が100.0%にならない場合があります）', en: 'Answers to “{question}” by fiscal year (rounded to one decimal; totals may not be 100.0 %)' },
  'surveys.panel.description': { ja: '{from}から{to}までの回答の割合を年度ごとに100%積み上げ横棒で示します。最新年度の肯定的な回答は{share}です。', en: 'Shares of each answer from {from} to {to} as 100 % stacked bars per year; the latest positive share is {share}.' },
  'surveys.panel.link': { ja: '調査結果の詳細', en: 'Full survey results' },
  'surveys.field.fiscalYear': { ja: '年度', en: 'Fiscal year' },
  'surveys.field.positive': { ja: '肯定的な回答', en: 'Positive' },
  'surveys.field.respondents': { ja: '回答者数', en: 'Respondents' },
  'surveys.demo.suffix': { ja: '（デモデータ）', en: ' (demo data)' },
});
