/** Messages of the procedures module: Japanese first, English second. */
import { defineMessages } from '../../core/i18n.ts';

export const proceduresMessages = defineMessages({
  'procedures.nav.public': { ja: '電子申請', en: 'Online applications' },
  'procedures.nav.inquiry': { ja: '申請状況の照会', en: 'Check an application' },
  'procedures.nav.staff': { ja: '電子申請の処理', en: 'Application handling' },

  'procedures.status.waiting': { ja: '処理待ち', en: 'Waiting' },
  'procedures.status.processing': { ja: '処理中', en: 'Processing' },
  'procedures.status.returned': { ja: '差し戻し', en: 'Returned for correction' },
  'procedures.status.completed': { ja: '処理完了', en: 'Completed' },
  'procedures.status.rejected': { ja: '却下', en: 'Rejected' },
  'procedures.status.withdrawn': { ja: '取下げ', en: 'Withdrawn' },
  'procedures.status.received': { ja: '受付', en: 'Received' },

  'procedures.identity.none': { ja: 'ログイン不要', en: 'No sign-in needed' },
  'procedures.identity.account': { ja: 'アカウントでログインして申請', en: 'Sign in to apply' },

  'procedures.answer.object': { ja: '回答はオブジェクトで送ってください', en: 'Send the answers as an object' },
  'procedures.answer.unknown': { ja: 'この手続にない項目です', en: 'This procedure has no such field' },
  'procedures.answer.required': { ja: '{label}を入力してください', en: 'Enter {label}' },
  'procedures.answer.text': { ja: '{label}は文字で入力してください', en: '{label} must be text' },
  'procedures.answer.tooLong': { ja: '{label}は{max}文字以内で入力してください', en: '{label} must be at most {max} characters' },
  'procedures.answer.number': { ja: '{label}は数字で入力してください', en: '{label} must be a number' },
  'procedures.answer.min': { ja: '{label}は{min}以上で入力してください', en: '{label} must be at least {min}' },
  'procedures.answer.max': { ja: '{label}は{max}以下で入力してください', en: '{label} must be at most {max}' },
  'procedures.answer.date': { ja: '{label}は実在する日付で入力してください（例：2026-04-01、R8.4.1、令和8年4月1日）', en: '{label} must be a real date (e.g. 2026-04-01, R8.4.1)' },
  'procedures.answer.choice': { ja: '{label}は選択肢から選んでください', en: 'Choose {label} from the list' },
  'procedures.answer.email': { ja: '{label}はメールアドレスの形式で入力してください', en: '{label} must be an e-mail address' },
  'procedures.answer.phone': { ja: '{label}は電話番号の形式で入力してください（例：027-123-4567）', en: '{label} must be a phone number (e.g. 027-123-4567)' },
  'procedures.answer.postalCode': { ja: '{label}の郵便番号は7桁で入力してください（例：371-8601）', en: 'The postal code of {label} has 7 digits (e.g. 371-8601)' },
  'procedures.answer.address': { ja: '{label}の住所を200文字以内で入力してください', en: 'Enter the address of {label} (at most 200 characters)' },
  'procedures.answer.fileUnsupported': { ja: '{label}はファイルを添付してください', en: 'Attach a file for {label}' },

  'procedures.error.notFound': { ja: '手続 {code} は見つかりません', en: 'No procedure {code}' },
  'procedures.error.notPublished': { ja: 'この手続は受付していません', en: 'This procedure is not open for applications' },
  'procedures.error.exists': { ja: '手続コード {code} は使われています', en: 'The procedure code {code} is taken' },
  'procedures.error.department': { ja: '担当課 {code} はありません', en: 'No department {code}' },
  'procedures.error.notYourDepartment': { ja: '他の課の手続は操作できません', en: 'This procedure belongs to another department' },
  'procedures.error.noDraft': { ja: '公開する下書きの版がありません', en: 'There is no draft version to publish' },
  'procedures.error.signIn': { ja: 'この手続はログインしてから申請します', en: 'Sign in to apply for this procedure' },
  'procedures.error.idempotencyReused': { ja: '同じ Idempotency-Key で異なる内容が送られました', en: 'The Idempotency-Key was used for a different request' },
  'procedures.error.applicationNotFound': { ja: '申請 {receipt} は見つかりません', en: 'No application {receipt}' },
  'procedures.error.inquiryFailed': { ja: '受付番号またはパスワードが違います', en: 'The receipt number or password is wrong' },
  'procedures.error.move': { ja: '「{from}」の申請を「{to}」にはできません', en: 'An application that is {from} cannot become {to}' },
  'procedures.error.withdraw': { ja: '取下げは処理待ちまたは差し戻しの間だけできます（現在：{status}）', en: 'An application can be withdrawn only while waiting or returned (now: {status})' },
  'procedures.error.correct': { ja: '差し戻された申請だけ修正できます', en: 'Only a returned application can be corrected' },
  'procedures.error.notReopened': { ja: 'この項目は修正を求められていません', en: 'This field was not reopened for correction' },
  'procedures.error.reopenUnknown': { ja: 'この手続の様式にない項目です', en: 'The form has no such field' },
  'procedures.error.purged': { ja: '保存期間を過ぎたため、申請内容は削除されました', en: 'The application’s content was deleted after its retention period' },
  'procedures.error.bundleNotFound': { ja: 'まとめて申請 {code} は見つかりません', en: 'No bundle {code}' },

  'procedures.mail.subject': { ja: '【{city}】電子申請 {receipt} のお知らせ', en: '[{city}] About your application {receipt}' },
  'procedures.mail.body': {
    ja: '受付番号 {receipt}（{procedure}）の状況が「{status}」になりました。\n\n照会ページで受付番号とパスワードを入力すると詳細を確認できます。\n{url}',
    en: 'Your application {receipt} ({procedure}) is now "{status}".\n\nEnter the receipt number and password on the inquiry page for the details.\n{url}',
  },

  'procedures.work.waiting': { ja: '電子申請 処理待ち {count}件', en: '{count} applications waiting' },
  'procedures.work.processing': { ja: '電子申請 処理中 {count}件', en: '{count} applications in progress' },
});
