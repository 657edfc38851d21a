/**
 * Tenant settings: each module declares the settings a municipality may change (with a
 * default, limits and labels); values live in tenant_settings and are read through the
 * registry, which knows every key's default. The administrator's page lists them all.
 */
import { bumpDataVersion } from './data-version.ts';
import type { Sql } from './db/database.ts';
import { AppError, type FieldError } from './errors.ts';
import type { Lang } from './i18n.ts';
import { TENANT_SCOPE } from './public-read.ts';

interface SettingBase {
  /** "<module>.<name>", e.g. "proposals.answerDays". */
  key: string;
  label: { ja: string; en: string };
  hint?: { ja: string; en: string };
}

export type SettingDefinition =
  | (SettingBase & { type: 'integer'; default: number; min: number; max: number })
  | (SettingBase & { type: 'text'; default: string; maxLength: number })
  | (SettingBase & { type: 'boolean'; default: boolean })
  | (SettingBase & { type: 'choice'; default: string; choices: { value: string; label: { ja: string; en: string } }[] });

export type SettingValue = number | string | boolean;

/** The settings of an app, by key. */
export class SettingsRegistry {
  private readonly byKey = new Map<string, SettingDefinition>();

  constructor(definitions: readonly SettingDefinition[]) {
    for (const d of definitions) {
      if (this.byKey.has(d.key)) throw new Error(`setting ${d.key} is declared twice`);
      this.byKey.set(d.key, d);
    }
  }

  list(): SettingDefinition[] {
    return [...this.byKey.values()];
  }

  definition(key: string): SettingDefinition {
    const d = this.byKey.get(key);
    if (!d) throw new Error(`setting ${key} is not declared by any module`);
    return d;
  }

  /** The tenant's value of a setting, or its default. */
  async get<T extends SettingValue = SettingValue>(sql: Sql, tenantId: string, key: string): Promise<T> {
    const d = this.definition(key);
    const row = await sql.maybeOne<{ value: unknown }>('select value from tenant_settings where tenant_id = $1 and key = $2', [tenantId, key]);
    return (row && this.accepts(d, row.value) ? row.value : d.default) as T;
  }

  /** Every setting's value for the tenant (defaults where unset). */
  async all(sql: Sql, tenantId: string): Promise<Map<string, SettingValue>> {
    const rows = await sql.query<{ key: string; value: unknown }>('select key, value from tenant_settings where tenant_id = $1', [tenantId]);
    const stored = new Map(rows.map((r) => [r.key, r.value]));
    return new Map(this.list().map((d) => [d.key, (this.accepts(d, stored.get(d.key)) ? stored.get(d.key) : d.default) as SettingValue]));
  }

  /**
   * Reads form text for each setting into typed values; every bad field at once
   * (AppError 'validation', paths are the setting keys).
   */
  parseForm(input: Record<string, unknown>, lang: Lang): Map<string, SettingValue> {
    const values = new Map<string, SettingValue>();
    const errors: FieldError[] = [];
    for (const d of this.list()) {
      const raw = input[d.key];
      const text = typeof raw === 'string' ? raw.normalize('NFKC').trim() : '';
      switch (d.type) {
        case 'boolean':
          values.set(d.key, text === 'true' || text === 'on');
          break;
        case 'integer': {
          const n = /^-?\d{1,9}$/.test(text) ? Number(text) : NaN;
          if (!Number.isInteger(n) || n < d.min || n > d.max) {
            errors.push({
              path: d.key,
              message: lang === 'ja' ? `${d.min}から${d.max}までの整数で入力してください` : `Enter a whole number from ${d.min} to ${d.max}`,
            });
          } else values.set(d.key, n);
          break;
        }
        case 'text':
          if (text.length > d.maxLength) {
            errors.push({ path: d.key, message: lang === 'ja' ? `${d.maxLength}文字以内で入力してください` : `Use at most ${d.maxLength} characters` });
          } else values.set(d.key, text || d.default);
          break;
        case 'choice':
          if (!d.choices.some((c) => c.value === text)) {
            errors.push({ path: d.key, message: lang === 'ja' ? '選択肢から選んでください' : 'Choose one of the options' });
          } else values.set(d.key, text);
          break;
      }
    }
    if (errors.length) throw new AppError('validation', undefined, errors);
    return values;
  }

  /** Stores values (inside the caller's transaction). */
  async save(tx: Sql, tenantId: string, values: Map<string, SettingValue>): Promise<void> {
    for (const [key, value] of values) {
      if (!this.accepts(this.definition(key), value)) throw new Error(`bad value for ${key}`);
      await tx.query(
        `insert into tenant_settings (tenant_id, key, value) values ($1, $2, $3::jsonb)
         on conflict (tenant_id, key) do update set value = excluded.value, updated_at = now()`,
        [tenantId, key, JSON.stringify(value)],
      );
    }
    // Settings show on public pages (a licence, a name): cached reads depend on the tenant scope.
    if (values.size) await bumpDataVersion(tx, tenantId, TENANT_SCOPE);
  }

  private accepts(d: SettingDefinition, v: unknown): boolean {
    switch (d.type) {
      case 'integer':
        return typeof v === 'number' && Number.isInteger(v) && v >= d.min && v <= d.max;
      case 'text':
        return typeof v === 'string' && v.length <= d.maxLength;
      case 'boolean':
        return typeof v === 'boolean';
      case 'choice':
        return typeof v === 'string' && d.choices.some((c) => c.value === v);
    }
  }
}
