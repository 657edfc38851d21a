/**
 * A demonstration facility register for the demo tenant (marked demo wherever shown): about
 * 160 facilities of the usual categories whose total, parks excluded, is of the plan's order
 * (5,913,107 ㎡ at the end of FY2011). The register is kept from 1 April 2017, so indicator
 * 6-2-2 shows staff records up to FY2016 and computed values from FY2017 on; a school closes
 * (統合), a community hall is demolished, a nursery opens and a housing estate is transferred,
 * so the total moves. Idempotent: nothing is added once the tenant holds demo facilities.
 */
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Sql } from '../../core/db/database.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { SeedContext } from '../module.ts';
import { isParkCategory } from './facilities.dataset.ts';
import { insertEvent, insertFacility, insertStatus, type FacilityFields, type FacilityStatus } from './facilities.repository.ts';
import { FACILITIES_SCOPE } from './facilities.service.ts';

/** The day the demo register starts. */
export const DEMO_REGISTER_START = '2017-04-01';

interface Group {
  category: string;
  name: (i: number) => string;
  count: number;
  floor: number;
  site: number;
}

const GROUPS: Group[] = [
  { category: '行政系施設', name: () => 'デモ市役所本庁舎', count: 1, floor: 46_210, site: 25_300 },
  { category: '行政系施設', name: (i) => `デモ市${['北', '南', '東', '西', '中央', '川辺', '山手', '新町'][i]}支所`, count: 8, floor: 1_240, site: 3_050 },
  { category: '学校教育系施設', name: (i) => `デモ市立第${i + 1}小学校`, count: 32, floor: 6_480, site: 25_200 },
  { category: '学校教育系施設', name: (i) => `デモ市立第${i + 1}中学校`, count: 17, floor: 8_120, site: 32_400 },
  { category: '市民文化系施設', name: (i) => `デモ${['北', '南', '東', '西', '中央', '川辺', '山手', '新町', '桜', '緑', '城東', '城西', '若葉', '青葉', '朝日'][i]}公民館`, count: 15, floor: 1_810, site: 4_020 },
  { category: '市民文化系施設', name: () => 'デモ市民文化会館', count: 1, floor: 15_300, site: 30_100 },
  { category: '公営住宅', name: (i) => `デモ市営住宅第${i + 1}団地`, count: 42, floor: 9_050, site: 25_100 },
  { category: 'スポーツ・レクリエーション系施設', name: (i) => `デモ市${['総合', '北部', '南部', '東部', '西部'][i]}体育館`, count: 5, floor: 6_020, site: 20_150 },
  { category: 'スポーツ・レクリエーション系施設', name: (i) => `デモ市第${i + 1}運動場`, count: 6, floor: 480, site: 91_300 },
  { category: '供給処理施設', name: (i) => `デモ市第${i + 1}清掃工場`, count: 2, floor: 12_100, site: 80_400 },
  { category: '供給処理施設', name: (i) => `デモ市第${i + 1}浄水場`, count: 4, floor: 5_030, site: 152_600 },
  { category: '保健・福祉施設', name: (i) => `デモ市第${i + 1}福祉センター`, count: 10, floor: 2_040, site: 5_010 },
  { category: '子育て支援施設', name: (i) => `デモ市立第${i + 1}保育所`, count: 20, floor: 910, site: 2_480 },
  { category: '産業系施設', name: () => 'デモ市公設地方卸売市場', count: 1, floor: 20_400, site: 110_300 },
  { category: 'その他', name: () => 'デモ市斎場', count: 1, floor: 4_020, site: 40_150 },
  { category: 'その他', name: (i) => `デモ市営第${i + 1}霊園`, count: 2, floor: 150, site: 358_607 },
  { category: '公園', name: (i) => `デモ${['中央', '北', '南', '東', '西', '川辺', '山手', '桜'][i]}公園`, count: 8, floor: 120, site: 61_000 },
];

/** Changes after the register's start: [facility name, status, date]. */
const CHANGES: [string, FacilityStatus, string][] = [
  ['デモ市立第32小学校', 'closed', '2020-04-01'],
  ['デモ市立第32小学校', 'demolished', '2023-04-01'],
  ['デモ朝日公民館', 'demolished', '2022-10-01'],
  ['デモ市営住宅第42団地', 'transferred', '2024-04-01'],
];

/** A facility that opens later: name, category, floor, site, opening day. */
const OPENED: [string, string, number, number, string][] = [['デモ市立第21保育所', '子育て支援施設', 1_120, 2_300, '2021-04-01']];

const demoFields = (externalId: string, name: string, category: string, floor: number, site: number, since: string): FacilityFields => ({
  externalId,
  name,
  nameKana: null,
  category,
  isPark: isParkCategory(category),
  address: null,
  latitude: null,
  longitude: null,
  floorArea: floor,
  siteArea: site,
  yearBuilt: null,
  responsible: '資産経営課（デモ）',
  dataset: {
    全国地方公共団体コード: '102016',
    ID: externalId,
    地方公共団体名: '群馬県デモ市',
    名称: name,
    分類: category,
    延床面積: String(floor),
    敷地面積: String(site),
    供用開始日: since,
    団体名: '資産経営課（デモ）',
    備考: 'デモデータ（実在の施設ではありません） / demo data',
  },
});

export async function seedDemoFacilities(tx: Sql, tenant: Tenant, _ctx: SeedContext): Promise<string[]> {
  const existing = await tx.maybeOne('select 1 from facilities where tenant_id = $1 and is_demo limit 1', [tenant.id]);
  if (existing) return [];
  const actor = { id: null, label: 'seed' };
  const ids = new Map<string, string>();
  let n = 0;
  const add = async (name: string, category: string, floor: number, site: number, since: string) => {
    const externalId = `DEMO-${String(++n).padStart(4, '0')}`;
    const id = await insertFacility(tx, tenant.id, demoFields(externalId, name, category, floor, site, since), since, true);
    await insertEvent(tx, tenant.id, id, 'created', { inServiceSince: since, demo: true }, actor);
    ids.set(name, id);
  };
  for (const g of GROUPS) for (let i = 0; i < g.count; i++) await add(g.name(i), g.category, g.floor, g.site, DEMO_REGISTER_START);
  for (const [name, category, floor, site, since] of OPENED) await add(name, category, floor, site, since);
  const current = new Map<string, FacilityStatus>();
  for (const [name, status, on] of CHANGES) {
    const id = ids.get(name);
    if (!id) continue;
    await insertStatus(tx, tenant.id, id, status, on, 'デモデータ / demo');
    await insertEvent(tx, tenant.id, id, 'status', { from: current.get(name) ?? 'in_service', to: status, on, demo: true }, actor);
    current.set(name, status);
  }
  await bumpDataVersion(tx, tenant.id, FACILITIES_SCOPE);
  return [];
}
