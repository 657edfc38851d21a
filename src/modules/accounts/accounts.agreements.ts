/**
 * 利用規約とプライバシーポリシー — the versioned texts a citizen agrees to at sign-up, in Japanese
 * and English, shown on /terms and /terms/privacy. A new version is a new entry here (the old
 * stays for the record); the agreed version and time are stored per user.
 */
import type { Sql } from '../../core/db/database.ts';
import type { Lang } from '../../core/i18n.ts';

export type AgreementDocument = 'terms' | 'privacy';

interface DocumentText {
  title: string;
  blocks: { heading?: string; paragraphs: string[] }[];
}

interface VersionedDocument {
  version: string;
  /** 施行日 — in force from (ISO date). */
  effective: string;
  text: Record<Lang, DocumentText>;
}

/** The current version of each document. */
export const AGREEMENTS: Record<AgreementDocument, VersionedDocument> = {
  terms: {
    version: '2026-12-01',
    effective: '2026-12-01',
    text: {
      ja: {
        title: '利用規約',
        blocks: [
          { paragraphs: ['この規約は、{city}（以下「市」）が提供する響き Hibiki（以下「本サービス」）のアカウントの利用について定めます。'] },
          { heading: '第1条 アカウント', paragraphs: ['利用者は、本人のメールアドレスで登録し、パスワードを他人に知らせないでください。アカウントは登録した本人だけが使えます。'] },
          { heading: '第2条 禁止事項', paragraphs: ['法令や公序良俗に反する行為、他人になりすます行為、本サービスの運営を妨げる行為、他人の個人情報を投稿する行為を禁止します。'] },
          { heading: '第3条 投稿の扱い', paragraphs: ['市民提案などの投稿は、市の施策の検討に使います。公開を選んだ投稿は、市が内容を確認したうえで公開することがあります。'] },
          { heading: '第4条 停止と変更', paragraphs: ['市は、規約に反する利用があった場合にアカウントを停止することがあります。本サービスや本規約を変更するときは、事前に本サービス上でお知らせします。'] },
        ],
      },
      en: {
        title: 'Terms of use',
        blocks: [
          { paragraphs: ['These terms govern the use of an account of Hibiki (the service), provided by {city} (the city).'] },
          { heading: 'Article 1 Accounts', paragraphs: ['Register with your own email address and never share your password. An account is for the person who registered it only.'] },
          { heading: 'Article 2 Prohibited conduct', paragraphs: ['Acts against the law or public order, impersonating others, disrupting the service, and posting other people’s personal information are prohibited.'] },
          { heading: 'Article 3 What you post', paragraphs: ['Posts such as citizen proposals are used in the city’s policy work. A post you choose to make public may be published after the city has reviewed it.'] },
          { heading: 'Article 4 Suspension and changes', paragraphs: ['The city may suspend an account used against these terms. Changes to the service or these terms are announced on the service in advance.'] },
        ],
      },
    },
  },
  privacy: {
    version: '2026-12-01',
    effective: '2026-12-01',
    text: {
      ja: {
        title: 'プライバシーポリシー（アカウント）',
        blocks: [
          { paragraphs: ['{city}は、アカウントの登録で預かる個人情報を、個人情報の保護に関する法律及び市の定めに従って取り扱います。'] },
          { heading: '集める情報', paragraphs: ['メールアドレス、表示名、パスワード（復元できない形で保存）、ログインの記録、二要素認証を設定した場合はその設定情報。'] },
          { heading: '使う目的', paragraphs: ['本人確認、ログイン、サービスに関するご連絡、不正利用の防止に限って使います。法令に基づく場合を除き、本人の同意なく第三者に提供しません。'] },
          { heading: '保存と削除', paragraphs: ['アカウントを無効にした後も、監査のための記録は市の文書管理の定めに従って保存します。サイト全体の方針はプライバシーポリシーのページをご覧ください。'] },
        ],
      },
      en: {
        title: 'Privacy policy (accounts)',
        blocks: [
          { paragraphs: ['{city} handles the personal information entrusted to it with an account under the Act on the Protection of Personal Information and the city’s own rules.'] },
          { heading: 'What is collected', paragraphs: ['Your email address, display name, password (stored so that it cannot be recovered), sign-in records, and, if you set it up, your two-factor settings.'] },
          { heading: 'What it is used for', paragraphs: ['Identifying you, signing you in, messages about the service, and preventing misuse, and nothing else. It is not given to third parties without your consent except where the law requires.'] },
          { heading: 'Keeping and deleting', paragraphs: ['After an account is disabled, records kept for audit are retained under the city’s records rules. For the site as a whole, see the privacy policy page.'] },
        ],
      },
    },
  },
};

/** A document's page text with the municipality's name filled in. */
export function agreementPage(document: AgreementDocument, lang: Lang, city: string) {
  const doc = AGREEMENTS[document];
  const text = doc.text[lang];
  const fill = (s: string) => s.replaceAll('{city}', city);
  return {
    title: text.title,
    version: doc.version,
    effective: doc.effective,
    blocks: text.blocks.map((b) => ({ ...(b.heading ? { heading: b.heading } : {}), paragraphs: b.paragraphs.map(fill) })),
  };
}

/** Records that the user agreed to the current version of every document at `at` (inside the caller's transaction). */
export async function recordAgreements(tx: Sql, tenantId: string, userId: string, at: Date): Promise<void> {
  for (const [document, doc] of Object.entries(AGREEMENTS)) {
    await tx.query(
      `insert into user_agreements (tenant_id, user_id, document, version, agreed_at) values ($1, $2, $3, $4, $5)
       on conflict (tenant_id, user_id, document, version) do nothing`,
      [tenantId, userId, document, doc.version, at],
    );
  }
}

/** The versions a user agreed to, with when. */
export function agreementsOf(sql: Sql, tenantId: string, userId: string): Promise<{ document: AgreementDocument; version: string; agreed_at: Date }[]> {
  return sql.query('select document, version, agreed_at from user_agreements where tenant_id = $1 and user_id = $2 order by document, agreed_at', [tenantId, userId]);
}
