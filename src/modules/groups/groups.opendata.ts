/**
 * Open data: the registered groups' public fields as CSV (UTF-8 with BOM, for spreadsheets)
 * and JSON. The private contact is never among them; optional fields only where the group
 * publishes them.
 */
import { stringify } from 'csv-stringify/sync';
import type { Sql } from '../../core/db/database.ts';
import { fieldName } from './groups.rules.ts';
import { listPublicGroups } from './groups.service.ts';
import type { PublicGroup } from './groups.schema.ts';

async function allActive(sql: Sql, tenantId: string, today: string): Promise<PublicGroup[]> {
  const out: PublicGroup[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await listPublicGroups(sql, tenantId, { status: 'active', limit: 500, offset }, today);
    out.push(...page.items);
    if (page.items.length < 500) return out;
  }
}

const COLUMNS = ['登録番号', '団体名', '団体名フリガナ', '団体の形態', '活動分野番号', '活動分野', '主な活動地域', '活動目的', '活動内容', '代表者', '連絡先', '設立年月日', '会員数', '会費', 'ホームページ', '登録日', '有効期限', 'デモデータ'];

/** GET /opendata/groups.csv */
export async function groupsCsv(sql: Sql, tenantId: string, today: string): Promise<string> {
  const rows = (await allActive(sql, tenantId, today)).map((g) => [
    g.number,
    g.name,
    g.nameKana,
    g.legalForm,
    g.fields.join(';'),
    g.fields.map((f) => fieldName(f, 'ja')).join(';'),
    g.area,
    g.purpose,
    g.activities,
    g.representative ?? '',
    g.publicContact ?? '',
    g.foundedOn ?? '',
    g.members === null ? '' : String(g.members),
    g.fee ?? '',
    g.website ?? '',
    g.registeredOn,
    g.validUntil,
    g.demo ? 'true' : 'false',
  ]);
  return `\ufeff${stringify([COLUMNS, ...rows], { record_delimiter: '\r\n' })}`;
}

/** GET /opendata/groups.json */
export async function groupsJson(sql: Sql, tenantId: string, today: string): Promise<string> {
  const items = await allActive(sql, tenantId, today);
  return JSON.stringify({ asOf: today, total: items.length, items });
}
