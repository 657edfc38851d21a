/**
 * Demo procedures in the demo tenant (marked demo): 住民票の写しの請求, 犬の登録事項変更, a
 * meeting-room request of the 市民活動支援センター, and the moving-house bundle (転出届 with
 * child allowance and national health insurance changes), with demo applications over the
 * last three fiscal years in every state (so 6-3-1 shows a history the platform computed).
 * Idempotent: nothing is added once the tenant holds the demo procedures.
 */
import type { AuthUser } from '../../core/auth.ts';
import { addDays, fiscalYearOf, fiscalYearStart, todayJst } from '../../core/dates.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { ensureDepartment, type Tenant } from '../../core/tenancy.ts';
import type { AppDeps, SeedContext } from '../module.ts';
import type { FieldDef } from './procedures.fields.ts';
import * as repo from './procedures.repository.ts';
import * as service from './procedures.service.ts';
import type { Status } from './procedures.workflow.ts';

const DEPARTMENTS = [
  { code: 'shimin', nameJa: '市民課', nameEn: 'Citizens Division' },
  { code: 'eisei', nameJa: '衛生検査課', nameEn: 'Sanitation Inspection Division' },
  { code: 'kodomo', nameJa: 'こども支援課', nameEn: 'Child Support Division' },
  { code: 'kokuho', nameJa: '国民健康保険課', nameEn: 'National Health Insurance Division' },
];

const name: FieldDef = { name: 'fullName', type: 'text', label: '氏名', required: true, maxLength: 60, shared: true };
const kana: FieldDef = { name: 'fullNameKana', type: 'text', label: '氏名（ふりがな）', required: true, maxLength: 60, shared: true };
const birth: FieldDef = { name: 'birthDate', type: 'date', label: '生年月日', required: true, help: '例：昭和60年4月1日、S60.4.1、1985-04-01', shared: true };
const address: FieldDef = { name: 'address', type: 'postal', label: '住所', required: true, shared: true };
const phone: FieldDef = { name: 'phone', type: 'phone', label: '日中に連絡の取れる電話番号', required: true, shared: true };
const email: FieldDef = { name: 'email', type: 'email', label: 'メールアドレス', help: '処理の状況をお知らせします', shared: true };

interface DemoProcedure {
  code: string;
  title: string;
  description: string;
  eligibility: string;
  department: string;
  identity: 'none' | 'account';
  retentionYears: number;
  fields: FieldDef[];
  /** Demo applications per fiscal year back from this one (0 = this year). */
  perYear: [number, number, number];
  counter: [number, number, number];
}

const PROCEDURES: DemoProcedure[] = [
  {
    code: 'juminhyo-copy',
    title: '住民票の写しの請求',
    description: '本人または同一世帯の方の住民票の写しを郵送で請求できます。手数料は定額小為替で同封してください。',
    eligibility: '前橋市に住民登録のある本人または同一世帯の方',
    department: 'shimin',
    identity: 'none',
    retentionYears: 1,
    fields: [
      name,
      kana,
      birth,
      address,
      phone,
      email,
      { name: 'copies', type: 'number', label: '必要な通数', required: true, min: 1, max: 10, page: 2 },
      {
        name: 'include',
        type: 'checkbox',
        label: '記載事項',
        page: 2,
        options: [
          { value: 'household', label: '世帯全員' },
          { value: 'relationship', label: '続柄' },
          { value: 'domicile', label: '本籍・筆頭者' },
        ],
      },
      {
        name: 'purpose',
        type: 'select',
        label: '使用目的',
        required: true,
        page: 2,
        options: [
          { value: 'pension', label: '年金の手続' },
          { value: 'car', label: '自動車の登録' },
          { value: 'other', label: 'その他' },
        ],
      },
      { name: 'purposeOther', type: 'text', label: '使用目的（その他の内容）', required: true, page: 2, showIf: { field: 'purpose', equals: 'other' } },
    ],
    perYear: [9, 14, 12],
    counter: [120, 410, 455],
  },
  {
    code: 'dog-registration-change',
    title: '犬の登録事項変更届',
    description: '飼い犬の所在地や飼い主の変更、犬の死亡を届け出ます。',
    eligibility: '前橋市で犬を登録している飼い主',
    department: 'eisei',
    identity: 'none',
    retentionYears: 3,
    fields: [
      name,
      address,
      phone,
      email,
      { name: 'registrationNumber', type: 'text', label: '登録番号', required: true, maxLength: 20, help: '鑑札に記載の番号です' },
      {
        name: 'change',
        type: 'radio',
        label: '届出の内容',
        required: true,
        options: [
          { value: 'moved', label: '所在地の変更' },
          { value: 'owner', label: '飼い主の変更' },
          { value: 'died', label: '犬の死亡' },
        ],
      },
      { name: 'changedOn', type: 'date', label: '変更のあった日', required: true },
      { name: 'details', type: 'textarea', label: '変更の内容', maxLength: 1000 },
    ],
    perYear: [4, 6, 5],
    counter: [30, 88, 95],
  },
  {
    code: 'center-room',
    title: '市民活動支援センター会議室の利用申請',
    description: '登録団体が打合せに使う会議室の利用を申請します。',
    eligibility: '市民活動支援センターの登録団体',
    department: 'shimin-kyodo',
    identity: 'account',
    retentionYears: 1,
    fields: [
      { name: 'groupName', type: 'text', label: '団体名', required: true, maxLength: 100 },
      name,
      phone,
      { name: 'useOn', type: 'date', label: '利用日', required: true },
      { name: 'people', type: 'number', label: '利用人数', required: true, min: 1, max: 40 },
    ],
    perYear: [5, 7, 0],
    counter: [40, 130, 0],
  },
  {
    code: 'tenshutsu',
    title: '転出届',
    description: '前橋市から市外へ引っ越す方の転出届です。',
    eligibility: '前橋市から転出する方',
    department: 'shimin',
    identity: 'none',
    retentionYears: 5,
    fields: [name, kana, birth, address, phone, email, { name: 'newAddress', type: 'text', label: '転出先の住所', required: true, maxLength: 200 }, { name: 'movingOn', type: 'date', label: '転出予定日', required: true }],
    perYear: [3, 5, 4],
    counter: [200, 610, 640],
  },
  {
    code: 'jido-teate-change',
    title: '児童手当の転出に伴う手続',
    description: '転出する方の児童手当の受給事由消滅の届出です。',
    eligibility: '児童手当を受給している方',
    department: 'kodomo',
    identity: 'none',
    retentionYears: 5,
    fields: [name, address, phone, email, { name: 'children', type: 'number', label: '対象の児童の人数', required: true, min: 1, max: 10 }],
    perYear: [1, 2, 2],
    counter: [50, 160, 170],
  },
  {
    code: 'kokuho-loss',
    title: '国民健康保険の資格喪失の届出',
    description: '転出に伴う国民健康保険の資格喪失の届出です。',
    eligibility: '前橋市の国民健康保険に加入している方',
    department: 'kokuho',
    identity: 'none',
    retentionYears: 5,
    fields: [name, address, phone, email, { name: 'insuredNumber', type: 'text', label: '被保険者証の記号・番号', required: true, maxLength: 30 }],
    perYear: [1, 3, 2],
    counter: [60, 190, 200],
  },
];

const NAMES = ['前橋 太郎', '赤城 花子', '利根 一郎', '広瀬 さくら', '敷島 健', '大胡 美咲', '総社 翔太', '富士見 陽子'];

function demoAnswers(fields: readonly FieldDef[], i: number, on: string): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  for (const f of fields) {
    if (!f.required) continue;
    switch (f.type) {
      case 'text':
        a[f.name] = f.name === 'fullName' ? NAMES[i % NAMES.length] : f.name === 'fullNameKana' ? 'まえばし たろう' : `デモ入力 ${i + 1}`;
        break;
      case 'date':
        a[f.name] = f.name === 'birthDate' ? `${1960 + (i % 30)}-0${1 + (i % 9)}-15` : on;
        break;
      case 'postal':
        a[f.name] = { postalCode: '371-8601', address: `前橋市大手町二丁目${1 + (i % 12)}番${1 + (i % 20)}号` };
        break;
      case 'phone':
        a[f.name] = `027-224-${String(1000 + i).slice(-4)}`;
        break;
      case 'number':
        a[f.name] = Math.max(f.min ?? 1, 1 + (i % 3));
        break;
      case 'select':
      case 'radio':
        a[f.name] = f.options![i % Math.min(2, f.options!.length)]!.value;
        break;
      default:
        break;
    }
  }
  return a;
}

/** A Db that runs on the seed's transaction (the service's own transactions join it). */
function onTransaction(db: Db, tx: Sql): Db {
  return { ...tx, kind: db.kind, transaction: (fn) => fn(tx), close: async () => {} } as Db;
}

const STATUS_PATHS: Status[][] = [[], ['processing'], ['processing', 'completed'], ['processing', 'returned'], ['processing', 'completed'], ['processing', 'rejected'], ['withdrawn']];

export async function seedDemoProcedures(tx: Sql, tenant: Tenant, ctx: SeedContext): Promise<void> {
  if (await repo.findProcedure(tx, tenant.id, PROCEDURES[0]!.code)) return;
  const deps: AppDeps = { ...ctx.deps, db: onTransaction(ctx.deps.db, tx) };
  for (const d of DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
  const system: AuthUser = {
    id: '00000000-0000-4000-8000-000000000000',
    tenantId: tenant.id,
    email: 'seed',
    displayName: 'seed',
    role: 'admin',
    departmentId: null,
    departmentCode: null,
    totpEnabled: false,
  };
  const now = ctx.clock.now();
  const today = todayJst(now);
  const fy = fiscalYearOf(today);
  let n = 0;
  for (const p of PROCEDURES) {
    await service.createProcedure(deps, tenant, system, { code: p.code, title: p.title, description: p.description, eligibility: p.eligibility, department: p.department, identity: p.identity, retentionYears: p.retentionYears, fields: p.fields }, 'ja', { isDemo: true });
    await service.publishProcedure(deps, tenant, system, p.code, 'ja');
    const proc = (await repo.findProcedure(tx, tenant.id, p.code))!;
    for (const [yearsAgo, count] of p.perYear.entries()) {
      const year = fy - yearsAgo;
      if (yearsAgo > 0) await repo.setCounterCount(tx, tenant.id, proc.id, year, p.counter[yearsAgo]!, null, now);
      else await repo.setCounterCount(tx, tenant.id, proc.id, year, p.counter[0], null, now);
      for (let i = 0; i < count; i++) {
        // Spread over the year; this year's up to yesterday.
        const span = yearsAgo === 0 ? Math.max(1, Math.round((Date.parse(today) - Date.parse(fiscalYearStart(year))) / 86_400_000)) : 364;
        const on = addDays(fiscalYearStart(year), Math.floor(((i + 0.5) * span) / count));
        const receivedAt = new Date(`${on}T01:${String(10 + (n % 50)).padStart(2, '0')}:00Z`);
        const fields = p.fields;
        const user = p.identity === 'account' ? await tx.maybeOne<{ id: string; email: string }>(`select id, email from users where tenant_id = $1 and role = 'citizen' order by created_at limit 1`, [tenant.id]) : undefined;
        if (p.identity === 'account' && !user) continue;
        const applicant = { user: user ? { ...system, id: user.id, email: user.email, role: 'citizen' as const } : null, ip: '127.0.0.1' };
        const r = await service.submitApplication(deps, tenant, applicant, p.code, { answers: demoAnswers(fields, n, on) }, 'ja', { isDemo: true, receivedAt });
        const path = yearsAgo > 0 ? (['processing', 'completed'] as Status[]) : STATUS_PATHS[n % STATUS_PATHS.length]!;
        const a = (await repo.findApplication(tx, tenant.id, r.receiptNumber))!;
        let at = receivedAt;
        for (const to of path) {
          at = new Date(at.getTime() + 86_400_000);
          await repo.updateApplication(tx, tenant.id, a.id, { status: to }, at);
          await repo.insertEvent(tx, tenant.id, a.id, { at, kind: 'status', toStatus: to, actorId: null });
        }
        n++;
      }
    }
  }
  await service.createBundle(deps, tenant, system, { code: 'moving-out', title: '引っ越し（市外への転出）のまとめて申請', description: '転出届と、児童手当・国民健康保険の手続をまとめて申請できます。氏名や住所は一度だけ入力します。', procedures: ['tenshutsu', 'jido-teate-change', 'kokuho-loss'] }, 'ja', { isDemo: true });
}
