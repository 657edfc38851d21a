/**
 * Demo proposals in the demo tenant: in every state, over the last three fiscal years, with
 * proposals implemented in each (so indicator 6-1-2 shows a history the platform computed),
 * dated relative to the clock. Every row is marked demo and shown as demonstration data.
 * Idempotent: nothing is added once the tenant holds demo proposals.
 */
import { addDays, compareIsoDate, fiscalYearOf, fiscalYearStart, todayJst } from '../../core/dates.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Sql } from '../../core/db/database.ts';
import { findDepartment, type Tenant } from '../../core/tenancy.ts';
import { findUserByEmail } from '../accounts/accounts.service.ts';
import type { SeedContext } from '../module.ts';
import { sealContact, searchValues } from './proposals.case.ts';
import * as repo from './proposals.repository.ts';
import { PROPOSALS_SCOPE } from './proposals.service.ts';
import { answerDueOn, formatProposalNumber, type Decision, type DeclineGround } from './proposals.workflow.ts';

/** A demo proposal and how far it went. */
interface DemoProposal {
  title: string;
  body: string;
  section?: string;
  area?: string;
  public: boolean;
  /** Which fiscal year, counted back from the running one (0 = this year). */
  yearsAgo: 0 | 1 | 2;
  /** Day of the fiscal year it was received on (0 = 1 April), or, this year, days before today. */
  day: number;
  byLetter?: boolean;
  department?: string;
  answer?: { decision: Decision; text: string; approved: boolean; afterDays: number };
  implemented?: { afterDays: number; note?: string };
  declined?: DeclineGround;
  withdrawn?: boolean;
  moderated?: boolean;
}

const DEMO: DemoProposal[] = [
  {
    title: '駅前の公園にベンチを増やしてほしい',
    body: '高齢者が休める場所が少ないため、駅前の公園にベンチを増やしてください。木陰になる場所にあるとうれしいです。',
    section: '6-2',
    area: '中央地区',
    public: true,
    yearsAgo: 2,
    day: 60,
    department: 'shisan-keiei',
    answer: { decision: 'adopt', text: '公園の利用状況を確認し、今年度中にベンチを3基増設します。', approved: true, afterDays: 25 },
    implemented: { afterDays: 120, note: 'ベンチ3基を設置しました。' },
  },
  {
    title: '市民活動支援センターを土曜日の夜も開けてほしい',
    body: '仕事をしている人も団体の打合せができるよう、土曜日の夜間も利用できるようにしてください。',
    section: '6-1',
    area: '中央地区',
    public: true,
    yearsAgo: 2,
    day: 100,
    byLetter: true,
    department: 'shimin-kyodo',
    answer: { decision: 'partly_adopt', text: '毎月第2・第4土曜日の夜間開館を試行します。', approved: true, afterDays: 28 },
    implemented: { afterDays: 90, note: '第2・第4土曜日の21時までの開館を始めました。' },
  },
  {
    title: '公共施設の予約をオンラインでできるようにしてほしい',
    body: '公民館やスポーツ施設の予約のために窓口へ行くのが大変です。インターネットで予約できるようにしてください。',
    section: '6-3',
    public: true,
    yearsAgo: 2,
    day: 150,
    department: 'joho-seisaku',
    answer: { decision: 'consider', text: '施設予約システムの導入について、費用と効果を調査しています。', approved: true, afterDays: 30 },
  },
  {
    title: '地域の防災訓練に子ども向けの体験を',
    body: '子どもが楽しみながら防災を学べるよう、防災訓練に体験コーナーを設けてください。',
    section: '6-1',
    area: '東地区',
    public: true,
    yearsAgo: 1,
    day: 40,
    department: 'shimin-kyodo',
    answer: { decision: 'adopt', text: '地域づくり協議会と協力し、秋の防災訓練で体験コーナーを設けます。', approved: true, afterDays: 20 },
    implemented: { afterDays: 110, note: '東地区の防災訓練で煙体験と応急手当の体験を行いました。' },
  },
  {
    title: '広報紙をスマートフォンでも読めるようにしてほしい',
    body: '広報紙のデジタル版を、スマートフォンで読みやすい形で配信してください。',
    section: '6-3',
    public: true,
    yearsAgo: 1,
    day: 70,
    byLetter: true,
    department: 'joho-seisaku',
    answer: { decision: 'partly_adopt', text: '市のウェブサイトでスマートフォン向けの表示を始めます。アプリでの配信は今後検討します。', approved: true, afterDays: 27 },
    implemented: { afterDays: 80 },
  },
  {
    title: '市の職員採用試験の情報を早めに出してほしい',
    body: '受験の準備のため、採用試験の日程を早めに公表してください。',
    section: '6-2',
    public: true,
    yearsAgo: 1,
    day: 120,
    department: 'shokuin',
    answer: { decision: 'adopt', text: '来年度から、試験日程を4月中に公表します。', approved: true, afterDays: 15 },
    implemented: { afterDays: 150, note: '試験日程を4月に公表しました。' },
  },
  {
    title: 'ごみの分別を調べられるアプリがほしい',
    body: '品目ごとに分別方法を検索できるアプリがあると便利だと思います。',
    section: '6-3',
    public: true,
    yearsAgo: 1,
    day: 160,
    department: 'joho-seisaku',
    answer: { decision: 'reference', text: 'ご提案は今後の情報発信の参考にさせていただきます。', approved: true, afterDays: 29 },
  },
  {
    title: '市役所の駐車場の案内表示について',
    body: '駐車場の入口が分かりにくいので、案内表示を大きくしてください。',
    public: false,
    yearsAgo: 1,
    day: 200,
    department: 'shisan-keiei',
    answer: { decision: 'not_adopt', text: '現在の表示は景観条例の基準によるため、大きくすることは困難です。', approved: true, afterDays: 26 },
  },
  {
    title: '自転車で通りやすい道を増やしてほしい',
    body: '通学路に自転車レーンを整備してください。',
    section: '6-2',
    area: '南地区',
    public: true,
    yearsAgo: 0,
    day: 120,
    department: 'shisan-keiei',
    answer: { decision: 'adopt', text: '通学路の一部区間で自転車レーンを表示します。', approved: true, afterDays: 20 },
    implemented: { afterDays: 60, note: '南小学校前の区間に自転車レーンを表示しました。' },
  },
  {
    title: '公園のトイレを改修してほしい',
    body: '近所の公園のトイレが古く、子どもが使いにくいので改修してください。',
    section: '6-2',
    area: '西地区',
    public: true,
    yearsAgo: 0,
    day: 12,
    department: 'shisan-keiei',
  },
  {
    title: '夜道の街灯を増やしてほしい',
    body: '駅から住宅地までの道が暗く、夜に歩くのが不安です。',
    area: '北地区',
    public: true,
    moderated: false,
    yearsAgo: 0,
    day: 3,
  },
  {
    title: '市民提案の回答をメールでも受け取りたい',
    body: '回答が出たことをメールで知らせてもらえると助かります。',
    section: '6-1',
    public: true,
    yearsAgo: 0,
    day: 45,
    department: 'shimin-kyodo',
    answer: { decision: 'adopt', text: '回答の公開時にメールでお知らせする仕組みを導入します。', approved: false, afterDays: 20 },
  },
  {
    title: '地域の集会所の鍵の受け渡しを簡単に',
    body: '集会所を借りるたびに鍵を受け取りに行くのが負担です。',
    section: '6-1',
    public: true,
    yearsAgo: 0,
    day: 50,
    department: 'shimin-kyodo',
  },
  {
    title: '特定の議員を批判する内容',
    body: '（デモ：受付できない提案の例です）',
    public: false,
    yearsAgo: 0,
    day: 20,
    declined: 'campaigning',
  },
  {
    title: '図書館の開館時間について',
    body: '平日の開館時間を延ばしてほしいです。',
    public: false,
    yearsAgo: 0,
    day: 30,
    withdrawn: true,
  },
];

const DEMO_CITIZEN = 'citizen@demo.hibiki.example';

/** Seeds the demo proposals once. */
export async function seedDemoProposals(tx: Sql, tenant: Tenant, ctx: SeedContext): Promise<string[]> {
  if (await repo.hasDemoProposals(tx, tenant.id)) return [];
  const citizen = await findUserByEmail(tx, tenant.id, DEMO_CITIZEN);
  const now = ctx.clock.now();
  const today = todayJst(now);
  const currentFy = fiscalYearOf(today);
  const thisYearStart = fiscalYearStart(currentFy);
  const clampToday = (d: string) => (compareIsoDate(d, today) > 0 ? today : d);

  for (const demo of DEMO) {
    if (demo.department && !(await findDepartment(tx, tenant.id, demo.department))) continue;
    const fromLetter = demo.byLetter || !citizen;
    const keyedBy = fromLetter ? await staffAccount(tx, tenant.id) : null;
    if (fromLetter && !keyedBy) continue;
    let receivedOn =
      demo.yearsAgo === 0 ? addDays(today, -demo.day) : addDays(fiscalYearStart(currentFy - demo.yearsAgo), demo.day);
    // This year's proposals stay in this fiscal year (early in April there is little room).
    if (demo.yearsAgo === 0 && compareIsoDate(receivedOn, thisYearStart) < 0) receivedOn = thisYearStart;
    const fy = fiscalYearOf(receivedOn);
    const seq = await repo.allocateSeq(tx, tenant.id, fy);
    const contact = fromLetter
      ? { name: 'デモ 花子', email: null, phone: '000-0000-0000', address: '（デモ）前橋市' }
      : { name: citizen!.displayName, email: citizen!.email, phone: null, address: null };
    let p = await repo.insertProposal(tx, tenant.id, {
      status: 'received',
      channel: fromLetter ? 'letter' : 'web',
      title: demo.title,
      body: demo.body,
      sectionCode: demo.section ?? null,
      area: demo.area ?? null,
      wantsPublic: demo.public,
      proposerId: fromLetter ? null : citizen!.id,
      proposerSealed: sealContact(ctx.config, contact),
      enteredBy: keyedBy,
      fiscalYear: fy,
      seq,
      number: formatProposalNumber(fy, seq),
      receivedOn,
      answerDueOn: answerDueOn(receivedOn, 30),
      isDemo: true,
      now,
    });
    const step = async (kind: string, on: string, patch: repo.ProposalPatch, forProposer = true, note: string | null = null) => {
      await repo.updateProposal(tx, tenant.id, p.id, p.status, patch, now);
      p = (await repo.findById(tx, tenant.id, p.id))!;
      await repo.insertEvent(tx, tenant.id, p.id, { kind, at: now, onDate: on, departmentCode: p.departmentCode, note, forProposer });
    };
    await repo.insertEvent(tx, tenant.id, p.id, { kind: 'received', at: now, onDate: receivedOn, forProposer: true });

    if (demo.public && demo.moderated !== false && !demo.declined && !demo.withdrawn) {
      await step('published', clampToday(addDays(receivedOn, 2)), {
        moderation: 'published',
        moderatedAt: now,
        publicTitle: demo.title,
        publicBody: demo.body,
        ...searchOf(demo.title, demo.body, null),
      });
    }
    if (demo.declined) {
      await step('declined', clampToday(addDays(receivedOn, 3)), { status: 'declined', declinedOn: clampToday(addDays(receivedOn, 3)), declineGround: demo.declined });
      continue;
    }
    if (demo.withdrawn) {
      await step('withdrawn', clampToday(addDays(receivedOn, 5)), { status: 'withdrawn', withdrawnOn: clampToday(addDays(receivedOn, 5)) });
      continue;
    }
    if (!demo.department) continue;
    const assignedOn = clampToday(addDays(receivedOn, 3));
    await step('assigned', assignedOn, { status: 'assigned', departmentCode: demo.department, assignedOn });
    if (!demo.answer) continue;
    const answeredOn = clampToday(addDays(receivedOn, demo.answer.afterDays));
    await step('answer_submitted', answeredOn, {
      status: 'answered',
      decision: demo.answer.decision,
      answerText: demo.answer.text,
      answerState: 'submitted',
      answerSubmittedAt: now,
    }, false);
    if (!demo.answer.approved) continue;
    const approver = await planManagerAccount(tx, tenant.id);
    if (!approver) continue;
    await step('answer_published', answeredOn, {
      answerState: 'approved',
      answeredOn,
      answerApprovedBy: approver,
      ...(p.moderation === 'published' ? searchOf(p.publicTitle, p.publicBody, demo.answer.text) : {}),
    });
    if (!demo.implemented) continue;
    const implementedOn = clampToday(addDays(receivedOn, demo.implemented.afterDays));
    await step(
      'implemented',
      implementedOn,
      {
        status: 'implemented',
        implementedOn,
        implementationNote: demo.implemented.note ?? null,
        ...(p.moderation === 'published' ? searchOf(p.publicTitle, p.publicBody, demo.answer.text, demo.implemented.note) : {}),
      },
      true,
      demo.implemented.note ?? null,
    );
  }
  await bumpDataVersion(tx, tenant.id, PROPOSALS_SCOPE);
  return [];
}

const searchOf = searchValues;

/** The demo staff account that keys in letters (the one of 市民協働課). */
async function staffAccount(tx: Sql, tenantId: string): Promise<string | null> {
  return (await findUserByEmail(tx, tenantId, 'staff@demo.hibiki.example'))?.id ?? null;
}

async function planManagerAccount(tx: Sql, tenantId: string): Promise<string | null> {
  return (await findUserByEmail(tx, tenantId, 'planner@demo.hibiki.example'))?.id ?? null;
}
