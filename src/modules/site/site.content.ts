/**
 * Texts of the accessibility and privacy pages, in Japanese and English, as the city
 * publishes them. `{city}` stands for the municipality's name and is filled in per tenant
 * by staticPageFor(). Everything said here about the software is what it does: keep it
 * true when the code changes (cookie names and lifetimes, what is encrypted, what is logged).
 */
import type { Lang } from '../../core/i18n.ts';

export interface StaticPage {
  title: string;
  blocks: { heading?: string; paragraphs?: string[]; items?: string[] }[];
}

/** ウェブアクセシビリティ方針 — accessibility policy. */
export const accessibilityPage: Record<Lang, StaticPage> = {
  ja: {
    title: 'ウェブアクセシビリティ方針',
    blocks: [
      {
        paragraphs: [
          '{city}は、年齢や障害の有無、利用する機器や環境にかかわらず、誰もが総合計画推進プラットフォーム「響き Hibiki」（以下「本サイト」）の情報とサービスを利用できるよう、ウェブアクセシビリティの確保と向上に取り組みます。',
        ],
      },
      {
        heading: '目標とする適合レベル',
        paragraphs: [
          '本サイトは、日本産業規格 JIS X 8341-3:2016「高齢者・障害者等配慮設計指針－情報通信における機器，ソフトウェア及びサービス－第3部：ウェブコンテンツ」の適合レベルAAに準拠することを目標とします。',
          'JIS X 8341-3:2016 は国際規格 WCAG 2.0 と一致した規格です。本サイトでは、これに加えて WCAG 2.1 及び WCAG 2.2 で追加されたレベルA・AAの達成基準も確認の対象としています。',
        ],
      },
      {
        heading: '対象範囲',
        paragraphs: ['本サイトで提供するすべてのウェブページを対象とします。ログインして利用するページ（申請、提案、職員用の管理画面など）も含みます。'],
        items: [
          '対象外：API（/api/）とオープンデータ（/opendata/）で提供する JSON・CSV 形式のデータ。これらは機械で読み取るためのデータです。',
          '対象外：市民や団体、職員が投稿した文章や添付資料のうち、投稿者が作成した部分。',
        ],
      },
      {
        heading: '主な取り組み',
        items: [
          'すべてのページをサーバーで生成しており、JavaScript を使わなくても、閲覧、ログイン、フォームの送信などのすべての機能を利用できます。',
          'キーボードだけで操作できます。各ページの先頭に「本文へ移動」リンクを置き、操作中の位置は黒と黄色の枠で表示します。',
          '見出し、ランドマーク（ヘッダー、メニュー、本文、フッター）、表の見出しセルを正しく指定しています。',
          '文字と背景のコントラスト比は 4.5:1 以上を確保し、ボタンやリンクは 44 ピクセル四方以上の大きさにしています。',
          '色だけで情報を伝えません。達成度の評価（S・A・B・C・D）や「順調」「遅れ」は文字でも表示します。',
          'グラフには、同じ内容を記載したデータ表を併せて掲載します。',
          '入力内容に誤りがあるときは、ページ上部の一覧と各入力欄の横に、すべての誤りをまとめて表示します。',
          '日本語と英語を切り替えられます。ページの言語は lang 属性で指定しています。',
          '日付は和暦と西暦を併記します。',
        ],
      },
      {
        heading: '確認の方法',
        items: [
          '自動試験：本サイトのソフトウェアの試験では、変更のたびに、すべてのページを実際のブラウザ（Chromium）で表示し、検査ツール axe-core により WCAG 2.0・2.1・2.2 のレベルA・AAに関する項目を検査しています。違反が1件でも見つかると試験は不合格となり、修正しない限りその変更は取り込まれません。',
          'キーボード操作：同じ試験の中で、「本文へ移動」リンクをキーボードで操作して本文に移動できること、JavaScript を使わずにフォームの送信と誤りの表示ができることを確認しています。',
          '自動では判定できない項目（画像の代替テキストの内容、分かりやすい表現、読み上げの順序など）は、ページを追加・変更する際に、担当者が目視とスクリーンリーダーで確認します。',
        ],
      },
      {
        heading: '既知の制約',
        items: [
          '自動検査で確認できるのは、達成基準のうち機械的に判定できる項目に限られます。このため、現時点では JIS X 8341-3:2016 に基づく試験結果による「準拠」の表明ではなく、目標として掲げています。達成基準チェックリストを用いた試験を行った際には、その結果をこのページで公開します。',
          '自動試験で使用しているブラウザは Chromium です。その他のブラウザや支援技術との組み合わせでは、個別に確認した範囲でのみ動作を確認しています。',
          '英語のページは、日本語のページの内容を翻訳したものです。市民提案や団体の紹介など、利用者が入力した内容は、入力された言語のまま表示します。',
          '投稿された文章や添付資料は、投稿者が作成したものをそのまま掲載するため、アクセシビリティに配慮されていない場合があります。',
        ],
      },
      {
        heading: 'お問い合わせ',
        paragraphs: [
          '本サイトで利用しにくいページや、分かりにくい表示がありましたら、{city} 政策推進課までお知らせください。いただいたご意見は、改善に役立てます。',
          'お知らせいただく際は、ページのアドレス（URL）、利用している機器・ブラウザ・支援技術、お困りの内容を添えていただくと、確認が円滑に進みます。',
        ],
      },
    ],
  },
  en: {
    title: 'Accessibility policy',
    blocks: [
      {
        paragraphs: [
          '{city} is committed to making Hibiki, the platform for its comprehensive plan (“this site”), usable by everyone, whatever their age or disability and whatever device or setting they use.',
        ],
      },
      {
        heading: 'Target',
        paragraphs: [
          'This site aims to conform to level AA of the Japanese Industrial Standard JIS X 8341-3:2016 (Guidelines for older persons and persons with disabilities — Information and communications equipment, software and services — Part 3: Web content).',
          'JIS X 8341-3:2016 is identical to the international WCAG 2.0. This site also checks the level A and AA success criteria added in WCAG 2.1 and WCAG 2.2.',
        ],
      },
      {
        heading: 'Scope',
        paragraphs: ['Every web page of this site, including the pages used after signing in (applications, proposals and the staff pages).'],
        items: [
          'Not covered: the JSON and CSV data served by the API (/api/) and the open data (/opendata/), which are meant to be read by machines.',
          'Not covered: text and attachments written by the citizens, groups or staff who posted them.',
        ],
      },
      {
        heading: 'What we do',
        items: [
          'Every page is built on the server, so everything — reading, signing in, sending forms — works without JavaScript.',
          'Everything can be done with a keyboard. Each page starts with a “Skip to main content” link, and the focused element is shown with a black and yellow outline.',
          'Headings, landmarks (header, menu, main content, footer) and table header cells are marked up as such.',
          'Text has a contrast ratio of at least 4.5:1 against its background, and buttons and links are at least 44 pixels square.',
          'Colour is never the only way information is given: achievement grades (S, A, B, C, D) and “on track” / “behind” are also written out.',
          'Every chart comes with a data table giving the same figures.',
          'When a form has mistakes, all of them are listed together at the top of the page and shown beside each field.',
          'Pages can be read in Japanese or English; the language of each page is declared with the lang attribute.',
          'Dates are given in both the Japanese and the Western calendar.',
        ],
      },
      {
        heading: 'How we check',
        items: [
          'Automated tests: on every change, the software’s test suite opens every page in a real browser (Chromium) and checks it with the axe-core engine against the WCAG 2.0, 2.1 and 2.2 level A and AA rules. A single violation fails the tests, and the change is not accepted until it is fixed.',
          'Keyboard use: the same tests check that the “Skip to main content” link moves keyboard focus to the main content, and that forms can be sent and their errors shown without JavaScript.',
          'What automated tools cannot judge (whether alternative text is meaningful, whether wording is clear, reading order and so on) is checked by staff, by eye and with a screen reader, when pages are added or changed.',
        ],
      },
      {
        heading: 'Known limitations',
        items: [
          'Automated checks cover only the success criteria that a machine can decide. For now, level AA is therefore stated as a target, not as conformance established by a JIS X 8341-3:2016 test. When a test against the full checklist of success criteria has been carried out, its results will be published on this page.',
          'The automated tests use Chromium. Other browsers and assistive technologies have been checked only as far as individually tried.',
          'The English pages are translations of the Japanese ones. Text entered by users, such as proposals and group profiles, is shown in the language it was written in.',
          'Text and attachments posted by users are shown as their authors made them and may not be accessible.',
        ],
      },
      {
        heading: 'Contact',
        paragraphs: [
          'If any page of this site is hard to use or hard to understand, please tell the Policy Promotion Division of {city}. Your comments help us improve the site.',
          'It helps us if you include the address (URL) of the page, the device, browser and any assistive technology you use, and what went wrong.',
        ],
      },
    ],
  },
};

/** プライバシーポリシー — privacy policy. */
export const privacyPage: Record<Lang, StaticPage> = {
  ja: {
    title: 'プライバシーポリシー',
    blocks: [
      {
        paragraphs: [
          '{city}は、総合計画推進プラットフォーム「響き Hibiki」（以下「本サイト」）で取り扱う個人情報を、個人情報の保護に関する法律（平成15年法律第57号）その他の関係法令に従い、適正に取り扱います。',
        ],
      },
      {
        heading: '本サイトが保有する個人情報',
        items: [
          'アカウントの情報：メールアドレス、表示名（氏名など）、メールアドレスを確認した日時。パスワードは元に戻せない形式（argon2id によるハッシュ値）でのみ保存し、パスワードそのものは保存しません。',
          '職員のアカウントの二要素認証の設定。認証用の鍵は暗号化して保存します。',
          'ログインの記録：ログインを試みた日時、入力されたメールアドレス、成否、接続元を区別するための情報。',
          'オンライン申請の内容：申請書に記入された氏名、住所、連絡先などの個人情報は、AES-256-GCM 方式で暗号化してデータベースに保存します。',
          '市民意識調査の回答：回答と、集計の補正（性別・年齢層による重み付け）に用いる属性。',
          '市民提案や市民活動団体の登録など、ご自身で入力された内容。',
          '本サイトから送るメール（メールアドレスの確認など）の宛先と本文。',
          '職員が行った登録・変更の記録（監査ログ）。',
        ],
      },
      {
        heading: '利用目的',
        items: [
          'ご本人の確認と、ログイン状態の管理',
          'オンライン申請、市民提案、団体登録の受付、処理、回答と、その状況のお知らせ',
          '市民意識調査の集計。公表するのは統計として処理した結果だけで、個人が特定される形では公表しません。',
          '総合計画の成果指標（オンライン申請の件数、提案の実施数、団体の登録数など）の算出。算出には件数などの集計値だけを用います。',
          '不正なアクセスの防止と、職員による操作の記録・検証',
        ],
      },
      {
        paragraphs: ['法令に基づく場合などを除き、個人情報を利用目的以外に利用したり、第三者に提供したりすることはありません。'],
      },
      {
        heading: '安全管理',
        items: [
          '職員は、担当する業務に必要な範囲の情報だけを見ることができます。権限のない操作は、すべて拒否されます。',
          '職員のログインには、パスワードに加えて認証アプリによる確認（二要素認証）が必要です。',
          '職員による登録・変更は、後から改ざんを検出できる形式（ハッシュチェーン）で記録し、記録の書き換えや削除はできません。',
          'サーバーの動作記録（ログ）には、申請内容などの個人情報、パスワード、Cookie、認証用のトークンは記録しません。',
          'ログイン用の Cookie には HttpOnly 属性と SameSite 属性を付け、HTTPS で提供する場合は Secure 属性も付けます。',
        ],
      },
      {
        heading: '保存期間',
        items: [
          'ログイン状態：ログインから12時間で無効になります。ログアウトすると、直ちに無効になります。',
          'アカウントの情報：アカウントを削除するまで保存します。',
          'オンライン申請、市民提案、団体登録、意識調査の回答：市の公文書の保存期間の定めに従って保存し、期間が満了したものは消去します。',
          '監査ログ：改ざんを防ぐため、削除せずに保存します。',
        ],
      },
      {
        heading: 'Cookie（クッキー）の利用',
        paragraphs: ['本サイトで使用する Cookie は、次の3つだけです。'],
        items: [
          'hibiki_session：ログイン状態を保つために使います。ログインしたときに発行し、ログアウトするか12時間が経つと無効になります。',
          'hibiki_csrf：フォームが本サイトから送信されたことを確かめ、なりすましによる送信（クロスサイトリクエストフォージェリ）を防ぐために使います。ブラウザを閉じると削除されます。',
          'lang：選んだ表示言語（日本語または英語）を1年間記憶します。',
        ],
      },
      {
        paragraphs: [
          '広告や閲覧履歴の分析のための Cookie、外部のサービスの Cookie、アクセス解析のツールは使用していません。Cookie を無効にしても閲覧はできますが、ログインとフォームの送信はできなくなります。',
        ],
      },
      {
        heading: '開示、訂正及び利用停止の請求',
        paragraphs: [
          '本サイトで保有するご自身の個人情報について、個人情報の保護に関する法律に基づき、開示（第76条）、訂正（第90条）及び利用停止（第98条）を請求することができます。請求の方法は、{city}の個人情報保護の担当窓口にお問い合わせください。',
        ],
      },
      {
        heading: 'お問い合わせ',
        paragraphs: ['本サイトでの個人情報の取扱いに関するお問い合わせは、{city} 政策推進課までお寄せください。'],
      },
      {
        heading: '改定',
        paragraphs: [
          'このポリシーは、法令の改正や本サイトの機能の追加に合わせて改定することがあります。改定したときは、このページでお知らせします。',
        ],
      },
    ],
  },
  en: {
    title: 'Privacy policy',
    blocks: [
      {
        paragraphs: [
          '{city} handles the personal information held by Hibiki, the platform for its comprehensive plan (“this site”), in accordance with the Act on the Protection of Personal Information (Act No. 57 of 2003) and other applicable laws.',
        ],
      },
      {
        heading: 'What personal information this site holds',
        items: [
          'Your account: e-mail address, display name (such as your name) and when the e-mail address was confirmed. Passwords are kept only as a one-way argon2id hash, never as the password itself.',
          'Two-factor authentication settings of staff accounts. The authentication keys are stored encrypted.',
          'Sign-in records: when a sign-in was attempted, the e-mail address entered, whether it succeeded, and a value that tells connections apart.',
          'Online applications: personal details written in an application, such as name, address and contact details, are stored in the database encrypted with AES-256-GCM.',
          'Perception survey answers: your answers and the attributes used to weight the results (sex and age group).',
          'What you enter yourself, such as citizen proposals and citizen group registrations.',
          'The address and text of e-mails this site sends (such as e-mail address confirmations).',
          'A record of what staff have registered or changed (the audit log).',
        ],
      },
      {
        heading: 'What it is used for',
        items: [
          'Confirming who you are and keeping you signed in',
          'Receiving, processing and answering online applications, proposals and group registrations, and telling you how they stand',
          'Tallying perception surveys. Only statistical results are published, never in a form that identifies anyone.',
          'Computing the plan’s outcome indicators (the number of online applications, of proposals implemented, of registered groups and so on). Only counts and other totals are used.',
          'Preventing unauthorised access, and recording and verifying what staff do',
        ],
      },
      {
        paragraphs: ['Except where the law requires or allows it, personal information is not used for any other purpose or given to anyone else.'],
      },
      {
        heading: 'How it is protected',
        items: [
          'Staff can see only the information their own work needs. Anything they are not allowed to do is refused.',
          'Staff sign in with a password and a code from an authenticator app (two-factor authentication).',
          'What staff register or change is recorded in a form in which any later tampering can be detected (a hash chain); the record cannot be altered or deleted.',
          'The server’s operational logs never contain personal details from applications, passwords, cookies or authentication tokens.',
          'The sign-in cookie is HttpOnly and SameSite, and also Secure when the site is served over HTTPS.',
        ],
      },
      {
        heading: 'How long it is kept',
        items: [
          'Signing in: a sign-in lasts 12 hours, and ends at once when you sign out.',
          'Your account: until the account is deleted.',
          'Online applications, proposals, group registrations and survey answers: for the retention period the city sets for its official records, after which they are erased.',
          'The audit log: kept, never deleted, so that it cannot be tampered with.',
        ],
      },
      {
        heading: 'Cookies',
        paragraphs: ['This site uses these three cookies and no others.'],
        items: [
          'hibiki_session: keeps you signed in. It is set when you sign in and stops working when you sign out or after 12 hours.',
          'hibiki_csrf: confirms that a form was sent from this site, preventing forged submissions (cross-site request forgery). It is deleted when you close your browser.',
          'lang: remembers the language you chose (Japanese or English) for one year.',
        ],
      },
      {
        paragraphs: [
          'This site uses no advertising or tracking cookies, no cookies of other services and no web analytics. You can read the site with cookies turned off, but you cannot sign in or send forms.',
        ],
      },
      {
        heading: 'Disclosure, correction and suspension of use',
        paragraphs: [
          'Under the Act on the Protection of Personal Information you may request disclosure (Article 76), correction (Article 90) or suspension of use (Article 98) of the personal information this site holds about you. Please ask the personal information protection desk of {city} how to make a request.',
        ],
      },
      {
        heading: 'Contact',
        paragraphs: ['For questions about how this site handles personal information, please contact the Policy Promotion Division of {city}.'],
      },
      {
        heading: 'Changes',
        paragraphs: [
          'This policy may change when the law changes or the site gains new functions. Any change will be announced on this page.',
        ],
      },
    ],
  },
};

/** The page in lang with `{city}` replaced by the municipality's name. */
export function staticPageFor(content: Record<Lang, StaticPage>, lang: Lang, city: string): StaticPage {
  const fill = (text: string) => text.replaceAll('{city}', city);
  const page = content[lang];
  return {
    title: fill(page.title),
    blocks: page.blocks.map((b) => ({
      ...(b.heading !== undefined ? { heading: fill(b.heading) } : {}),
      ...(b.paragraphs ? { paragraphs: b.paragraphs.map(fill) } : {}),
      ...(b.items ? { items: b.items.map(fill) } : {}),
    })),
  };
}
