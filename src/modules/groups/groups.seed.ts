/**
 * Demo groups in the demo tenant, across the activity fields and every state: registered for
 * one to three years (renewed each fiscal year, so indicator 6-1-1 shows a history the platform
 * computed), under review, returned, lapsed and deregistered, dated relative to the clock.
 * Every row is marked demo and shown as demonstration data. Idempotent: nothing is added once
 * the tenant holds demo groups.
 */
import { addDays, fiscalYearEnd, fiscalYearOf, fiscalYearStart, todayJst } from '../../core/dates.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Sql } from '../../core/db/database.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { SeedContext } from '../module.ts';
import * as repo from './groups.repository.ts';
import type { LegalForm, Status } from './groups.rules.ts';
import { formatRegistrationNumber } from './groups.rules.ts';
import type { ProfileInput } from './groups.schema.ts';
import { GROUPS_SCOPE, profileValues } from './groups.service.ts';

interface DemoGroup {
  profile: Omit<ProfileInput, 'privateContact' | 'publish'>;
  representative: string;
  /** Fiscal years registered, counted back from the running one (0: registered this year). */
  since?: 0 | 1 | 2;
  state: Status;
}

const NOTE = '【デモデータ】';

const p = (
  name: string,
  nameKana: string,
  legalForm: LegalForm,
  fields: number[],
  area: string,
  purpose: string,
  activities: string,
  foundedOn: string,
  members: number,
  extra: { fee?: string; website?: string } = {},
): DemoGroup['profile'] => ({
  name,
  nameKana,
  legalForm,
  fields,
  area,
  purpose: `${NOTE}${purpose}`,
  activities,
  foundedOn,
  members,
  publicContact: `demo-${nameKana.length}@example.jp`,
  representative: undefined,
  website: extra.website,
  fee: extra.fee,
});

const DEMO: DemoGroup[] = [
  { profile: p('広瀬川をきれいにする会', 'ヒロセガワヲキレイニスルカイ', '任意団体', [3, 7], '中央地区', '広瀬川の河川敷の清掃と水辺の環境の保全', '毎月第2日曜日の清掃活動、水辺の生きもの観察会', '2012-05-01', 34, { fee: '年1,000円' }), representative: '前橋 花子', since: 2, state: 'registered' },
  { profile: p('まえばし子ども食堂ネットワーク', 'マエバシコドモショクドウネットワーク', 'NPO法人', [1, 13, 19], '市内全域', '子どもの居場所づくりと食の支援', '市内の子ども食堂の連絡会、食材の寄付の仲介', '2016-10-01', 58, { website: 'https://example.jp/kodomo' }), representative: '赤城 一郎', since: 2, state: 'registered' },
  { profile: p('赤城南麓ふるさと案内人', 'アカギナンロクフルサトアンナイニン', '任意団体', [4, 5, 6], '北部地区', '赤城山南麓の自然と歴史の案内', '観光ガイド、里山の散策会', '2018-04-01', 21), representative: '大胡 三郎', since: 1, state: 'registered' },
  { profile: p('城東町自治会 防災部', 'ジョウトウチョウジチカイボウサイブ', '自治会・町内会', [8, 9], '城東地区', '地域の防災力の向上', '防災訓練、避難所運営の研修', '2011-04-01', 120), representative: '城東 四郎', since: 1, state: 'registered' },
  { profile: p('多文化共生サロン前橋', 'タブンカキョウセイサロンマエバシ', '任意団体', [10, 11, 12], '中央地区', '外国人市民と日本人市民の交流', '日本語教室、多言語の生活相談', '2019-07-07', 40, { fee: '無料' }), representative: 'グエン ミン', since: 0, state: 'registered' },
  { profile: p('シニアIT教室「つなぐ」', 'シニアアイティーキョウシツツナグ', '任意団体', [2, 14], '南部地区', '高齢者の情報機器の活用の支援', 'スマートフォン教室、オンライン手続の体験会', '2021-09-01', 15), representative: '総社 五郎', since: 0, state: 'registered' },
  { profile: p('まちなか音楽祭実行委員会', 'マチナカオンガクサイジッコウイインカイ', '任意団体', [3, 6, 16], '中央地区', '中心市街地のにぎわいづくり', '商店街での音楽祭の開催', '2015-03-01', 26), representative: '千代田 六子', since: 2, state: 'lapsed' },
  { profile: p('前橋こども将棋クラブ', 'マエバシコドモショウギクラブ', '任意団体', [2, 13], '東部地区', '将棋を通じた子どもの健全育成', '週1回の将棋教室', '2017-06-01', 18), representative: '駒形 七郎', since: 1, state: 'deregistered' },
  { profile: p('粕川ホタルの里を守る会', 'カスカワホタルノサトヲマモルカイ', '任意団体', [7], '東部地区', 'ホタルの生息地の保全', '水路の清掃、ホタル観賞会', '2020-05-01', 12), representative: '粕川 八郎', state: 'applied' },
  { profile: p('ひきこもり家族の会 ひだまり', 'ヒキコモリカゾクノカイヒダマリ', '任意団体', [1], '市内全域', '家族の相談と交流', '月例の家族会', '2022-01-15', 9), representative: '日向 九子', state: 'returned' },
];

/** Adds the demo groups (once). */
export async function seedDemoGroups(tx: Sql, tenant: Tenant, ctx: SeedContext): Promise<string[]> {
  if (await repo.hasDemoGroups(tx, tenant.id)) return [];
  const now = ctx.clock.now();
  const today = todayJst(now);
  const fy = fiscalYearOf(today);
  let seq = 0;
  for (const g of DEMO) {
    const values = profileValues(ctx.config, { ...g.profile, privateContact: '027-000-0000（デモ）', publish: ['publicContact', 'foundedOn', 'members', 'fee', 'website'] }, g.representative, null);
    const registered = g.state === 'registered' || g.state === 'lapsed' || g.state === 'deregistered';
    const startFy = fy - (g.since ?? 0) - (g.state === 'lapsed' ? 1 : 0);
    const registeredOn = registered ? (startFy === fy ? addDays(today, -20) : addDays(fiscalYearStart(startFy), 40)) : null;
    // A lapsed group's last term ended on 31 March of the previous fiscal year.
    const lastFy = g.state === 'lapsed' ? fy - 1 : fy;
    const number = registered ? formatRegistrationNumber(startFy, ++seq) : null;
    const r = await repo.insertRegistration(tx, tenant.id, {
      ...values,
      // The states that need their reason are set below, with it.
      status: g.state === 'deregistered' ? 'registered' : g.state === 'returned' ? 'applied' : g.state,
      number,
      applicantId: null,
      appliedOn: registeredOn ? addDays(registeredOn, -14) : addDays(today, -5),
      registeredOn,
      validUntil: registered ? fiscalYearEnd(lastFy) : null,
      isDemo: true,
      now,
    });
    const at = (date: string) => new Date(`${date}T01:00:00Z`);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'applied', at: at(r.appliedOn), onDate: r.appliedOn, note: NOTE });
    if (registeredOn) {
      for (let y = startFy; y <= lastFy; y++) {
        const startsOn = y === startFy ? registeredOn : fiscalYearStart(y);
        await repo.insertTerm(tx, tenant.id, r.id, startsOn, fiscalYearEnd(y));
        await repo.insertEvent(tx, tenant.id, r.id, { kind: y === startFy ? 'approved' : 'renewed', at: at(startsOn), onDate: startsOn, details: { validUntil: fiscalYearEnd(y) } });
      }
    }
    if (g.state === 'lapsed') {
      await repo.patchState(tx, tenant.id, r.id, { lapsedOn: fiscalYearStart(fy) }, now);
      await repo.insertEvent(tx, tenant.id, r.id, { kind: 'lapsed', at: at(fiscalYearStart(fy)), onDate: fiscalYearStart(fy) });
    }
    if (g.state === 'deregistered') {
      const on = addDays(today, -10);
      await repo.cutTerms(tx, tenant.id, r.id, on);
      await repo.patchState(tx, tenant.id, r.id, { status: 'deregistered', deregisteredOn: on }, now);
      await repo.insertEvent(tx, tenant.id, r.id, { kind: 'deregistered', at: at(on), onDate: on, note: '活動終了のため（デモ）' });
    }
    if (g.state === 'returned') {
      await repo.patchState(tx, tenant.id, r.id, { status: 'returned', returnMessage: '規約の写しを添付してください（デモ）' }, now);
      await repo.insertEvent(tx, tenant.id, r.id, { kind: 'returned', at: now, onDate: today, note: '規約の写しを添付してください（デモ）' });
    }
  }
  await bumpDataVersion(tx, tenant.id, GROUPS_SCOPE);
  return [];
}
