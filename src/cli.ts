/**
 * `npm run hibiki -- <command>`: the command line. With the embedded database, run it while
 * the server is stopped (one process owns the data folder; the lock says so if not). Core's
 * commands are here; modules add theirs through the module contract (`groups import` …).
 */
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { latestAnchor, sealAuditLog, verifyAuditChain } from './core/audit.ts';
import { ROLES, type Role } from './core/auth.ts';
import { systemClock } from './core/clock.ts';
import { ConfigError, loadConfig, type Config } from './core/config.ts';
import { openDatabase, type Db } from './core/db/database.ts';
import { DataDirLockedError } from './core/db/data-dir-lock.ts';
import { MigrationError } from './core/db/migrate.ts';
import { backupDatabase, BackupError, restoreDatabase } from './core/db/backup.ts';
import { AppError } from './core/errors.ts';
import {
  createDepartment,
  createTenant,
  DEPARTMENT_CODE_RE,
  findTenantByCode,
  isHostname,
  listTenants,
  type Tenant,
} from './core/tenancy.ts';
import { appDeps, composePlatform, migratePlatform, type Platform } from './platform.ts';
import { seedDemo } from './seed.ts';
import { createFirstAdministrator } from './modules/accounts/accounts.links.ts';
import { adminCreateUser, createToken, findUserByEmail } from './modules/accounts/accounts.service.ts';
import type { CliContext } from './modules/module.ts';
import { runInChannel } from './core/channel.ts';

const CORE_USAGE = `使い方 / Usage: npm run hibiki -- <command> [--tenant CODE]

  migrate                                   データベースを最新の構造にする / apply migrations
  seed                                      デモ自治体（前橋市）を用意する / seed the demo tenant (idempotent)
  init --tenant C --admin-email E [--name-ja N] [--name-en N] [--host H]
                                            実運用の自治体と最初の管理者を作る（デモなし）/ set up a real municipality
  tenant create --code C --name-ja N [--name-en N] [--host H]...
                                            自治体を追加する / add a municipality
  tenant list                               自治体の一覧 / list municipalities
  department create --code C --name-ja N [--name-en N]
                                            課を追加する / add a department
  user create --email E --password P --role citizen|staff|plan_manager|admin [--department CODE] [--name NAME]
                                            利用者を作成する / create a user
  token create --email E [--name NAME]      APIトークンを発行する（最終行に表示）/ issue an API token (printed last)
  audit verify                              監査ログの連鎖を検証する / verify the audit hash chain
  backup FILE                               データベースをバックアップする / back the database up into FILE
  restore FILE [--force]                    バックアップから復元する（サーバー停止中に）/ restore FILE (server stopped)`;

class UsageError extends Error {}

const CORE_OPTIONS = {
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  department: { type: 'string' },
  name: { type: 'string' },
  tenant: { type: 'string' },
  code: { type: 'string' },
  'name-ja': { type: 'string' },
  'name-en': { type: 'string' },
  host: { type: 'string', multiple: true },
  'admin-email': { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(platform: Platform): string {
  const lines = platform.cli.map((c) => `  ${c.usage}`);
  return `${CORE_USAGE}\n${lines.join('\n')}`;
}

function hostsOf(values: { host?: string[] | undefined }): string[] {
  const hosts = (values.host ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const h of hosts) if (!isHostname(h)) throw new UsageError(`ホスト名が正しくありません / Not a host name: ${h}`);
  return hosts;
}

async function tenantOf(db: Db, code: string): Promise<Tenant> {
  const tenant = await findTenantByCode(db, code);
  if (!tenant) throw new UsageError(`自治体 "${code}" がありません / No municipality "${code}" (tenant create, init or seed first)`);
  return tenant;
}

async function run(argv: string[]): Promise<void> {
  const platform = composePlatform();
  const moduleOptions = Object.fromEntries(platform.cli.flatMap((c) => Object.entries(c.options ?? {})));
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { ...moduleOptions, ...CORE_OPTIONS } });
  if (values.help || positionals.length === 0) {
    console.log(usage(platform));
    return;
  }
  const config: Config = loadConfig();
  if (positionals[0] === 'backup' || positionals[0] === 'restore') {
    const file = positionals[1];
    if (!file) throw new UsageError(`${positionals[0]} FILE`);
    if (positionals[0] === 'backup') {
      const kind = await backupDatabase(config, file);
      console.log(`backed up the ${kind === 'pglite' ? 'embedded database' : 'PostgreSQL database'} to ${file}`);
    } else {
      const { kind, movedAside } = await restoreDatabase(config, file, { force: values.force === true });
      console.log(`restored ${file} into the ${kind === 'pglite' ? 'embedded database' : 'PostgreSQL database'}`);
      if (movedAside) console.log(`the previous database was kept in ${movedAside}`);
    }
    return;
  }
  const db = await openDatabase(config);
  try {
    await migratePlatform(db, platform);
    const deps = appDeps(platform, db, config, systemClock);
    const tenantCode = (values.tenant as string | undefined) ?? config.defaultTenant;
    const words = positionals.slice(0, 2).join(' ');
    const single = positionals[0]!;
    if (single === 'migrate') {
      console.log('migrations are up to date / マイグレーション完了');
      return;
    }
    if (single === 'seed') {
      const { tenant, notes } = await seedDemo(db, platform, deps);
      console.log(`seeded ${tenant.nameJa} (${tenant.code})`);
      for (const n of notes) console.log(`  ${n}`);
      return;
    }
    if (single === 'init') {
      const email = values['admin-email'];
      if (!values.tenant || !email) throw new UsageError('init needs --tenant CODE and --admin-email E');
      let tenant = await findTenantByCode(db, values.tenant);
      if (!tenant) {
        const nameJa = values['name-ja'];
        if (!nameJa) throw new UsageError(`自治体 "${values.tenant}" がないため --name-ja が必要です / --name-ja is needed to create "${values.tenant}"`);
        tenant = await newTenant(db, values.tenant, nameJa, values['name-en'], hostsOf(values));
      }
      const { link } = await createFirstAdministrator(db, config, tenant, email);
      console.log(`${tenant.nameJa} (${tenant.code}): 最初の管理者 ${email} / first administrator ${email}`);
      console.log('次のリンクでパスワードを設定してください（72時間有効・1回限り）/ Set the password at this one-time link (72 hours):');
      console.log(link);
      return;
    }
    switch (words) {
      case 'tenant create': {
        if (!values.code || !values['name-ja']) throw new UsageError('tenant create needs --code and --name-ja');
        const tenant = await newTenant(db, values.code, values['name-ja'], values['name-en'], hostsOf(values));
        console.log(`created municipality ${tenant.code} (${tenant.nameJa})`);
        return;
      }
      case 'tenant list':
        for (const t of await listTenants(db)) console.log(`${t.code}\t${t.nameJa}\t${t.nameEn}`);
        return;
      case 'department create': {
        const code = values.code;
        if (!code || !values['name-ja']) throw new UsageError('department create needs --code and --name-ja');
        if (!DEPARTMENT_CODE_RE.test(code)) throw new UsageError('課コードは英小文字・数字・ハイフン40文字以内です / Department codes are up to 40 of a-z, 0-9 and -');
        const tenant = await tenantOf(db, tenantCode);
        const created = await createDepartment(db, tenant.id, { code, nameJa: values['name-ja'], nameEn: values['name-en'] ?? values['name-ja'] });
        if (!created) throw new UsageError(`課コード ${code} は既にあります / Department ${code} already exists`);
        console.log(`created department ${code} in ${tenant.code}`);
        return;
      }
      case 'user create': {
        if (!values.email || !values.password || !values.role) throw new UsageError('--email, --password and --role are required');
        if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        const tenant = await tenantOf(db, tenantCode);
        const user = await adminCreateUser(db, tenant, null, {
          email: values.email,
          password: values.password,
          role: values.role as Role,
          displayName: values.name ?? values.email,
          departmentCode: values.department,
        });
        console.log(`created ${user.role} ${user.email}`);
        return;
      }
      case 'token create': {
        if (!values.email) throw new UsageError('--email is required');
        const tenant = await tenantOf(db, tenantCode);
        const user = await findUserByEmail(db, tenant.id, values.email);
        if (!user) throw new UsageError(`利用者 ${values.email} がいません / No user ${values.email}`);
        const { token } = await createToken(db, tenant, user, values.name ?? 'cli', null);
        console.log(`API token for ${user.email} (shown once; store it safely):`);
        console.log(token);
        return;
      }
      case 'audit verify': {
        // Seal what the server had not sealed yet (it may be stopped), then check every chain
        // against its newest anchor.
        const anchors = { file: config.auditAnchorFile, secret: config.secret };
        mkdirSync(path.dirname(anchors.file), { recursive: true });
        const sealed = await sealAuditLog(db, { anchors });
        if (sealed) console.log(`sealed ${sealed} new entries`);
        let broken = 0;
        for (const t of await listTenants(db)) {
          const report = await verifyAuditChain(db, t.id, { anchor: latestAnchor(anchors, t.id) });
          if (report.brokenAt) {
            broken++;
            console.log(`${t.code}: BROKEN at entry ${report.brokenAt.pos}: ${report.brokenAt.reason} (${report.entries} entries)`);
          } else {
            console.log(`${t.code}: ok (${report.entries} entries${report.unsealed ? `, ${report.unsealed} not sealed yet` : ''})`);
          }
        }
        if (broken) throw new UsageError(`監査ログの改ざんを検出しました / The audit chain is broken in ${broken} tenant(s)`);
        return;
      }
    }
    const command = platform.cli.find((c) => positionals.slice(0, c.name.split(' ').length).join(' ') === c.name);
    if (!command) throw new UsageError(`unknown command: ${positionals.join(' ')}\n\n${usage(platform)}`);
    const ctx: CliContext = {
      db,
      config,
      clock: systemClock,
      deps,
      tenant: () => tenantOf(db, tenantCode),
      args: positionals.slice(command.name.split(' ').length),
      options: values as Record<string, string | boolean | undefined>,
      print: (line) => console.log(line),
    };
    await command.run(ctx);
  } finally {
    await db.close();
  }
}

async function newTenant(db: Db, code: string, nameJa: string, nameEn: string | undefined, hostnames: string[]): Promise<Tenant> {
  if (!/^[a-z0-9-]{2,40}$/.test(code)) throw new UsageError('自治体コードは英小文字・数字・ハイフン2〜40文字です / Municipality codes are 2–40 of a-z, 0-9 and -');
  const tenant = await createTenant(db, { code, nameJa, nameEn: nameEn ?? nameJa, hostnames });
  if (!tenant) throw new UsageError(`自治体コード ${code} かホスト名が既に使われています / The code ${code} or a host name is already taken`);
  return tenant;
}

runInChannel('cli', () => run(process.argv.slice(2))).catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof MigrationError || err instanceof BackupError) {
    console.error(err.message);
  } else if (err instanceof AppError) {
    console.error(err.detail ? `${err.detail.ja} / ${err.detail.en}` : err.message);
    for (const e of err.errors) console.error(`  ${e.path}: ${e.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
