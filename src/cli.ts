/**
 * `npm run hibiki -- <command>`: the command line. With the embedded database, run it while
 * the server is stopped (one process owns the data folder; the lock says so if not).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './core/config.ts';
import { openDatabase, type Db } from './core/db/database.ts';
import { DataDirLockedError } from './core/db/data-dir-lock.ts';
import { migrate } from './core/db/migrate.ts';
import { verifyAuditChain } from './core/audit.ts';
import { AppError } from './core/errors.ts';
import { ROLES, type Role } from './core/auth.ts';
import { findTenantByCode, listTenants, type Tenant } from './core/tenancy.ts';
import { seedDemo } from './seed.ts';
import { adminCreateUser, createToken, findUserByEmail } from './modules/accounts/accounts.service.ts';

const USAGE = `使い方 / Usage: npm run hibiki -- <command>

  migrate                                   データベースを最新の構造にする / apply migrations
  seed                                      デモ自治体（前橋市）を用意する / seed the demo tenant (idempotent)
  user create --email E --password P --role citizen|staff|plan_manager|admin [--department CODE] [--name NAME]
                                            利用者を作成する / create a user
  token create --email E [--name NAME]      APIトークンを発行する（最終行に表示）/ issue an API token (printed last)
  audit verify                              監査ログの連鎖を検証する / verify the audit hash chain
  plan import FILE                          計画（JSON/YAML）を取り込む / import a plan document

Options: --tenant CODE (default: HIBIKI_DEFAULT_TENANT or maebashi)`;

class UsageError extends Error {}

async function tenantOf(db: Db, code: string): Promise<Tenant> {
  const tenant = await findTenantByCode(db, code);
  if (!tenant) throw new UsageError(`自治体 "${code}" がありません。先に seed を実行してください / No tenant "${code}"; run seed first`);
  return tenant;
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      department: { type: 'string' },
      name: { type: 'string' },
      tenant: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals.slice(0, 2).join(' ');
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const tenantCode = values.tenant ?? config.defaultTenant;
    switch (positionals[0] === 'migrate' || positionals[0] === 'seed' ? positionals[0] : command) {
      case 'migrate':
        console.log('migrations are up to date / マイグレーション完了');
        return;
      case 'seed': {
        const { tenant, notes } = await seedDemo(db, config);
        console.log(`seeded ${tenant.nameJa} (${tenant.code})`);
        for (const n of notes) console.log(`  ${n}`);
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
        const tenants = await listTenants(db);
        let broken = 0;
        for (const t of tenants) {
          const report = await verifyAuditChain(db, t.id);
          if (report.brokenAt) {
            broken++;
            console.log(`${t.code}: BROKEN at entry ${report.brokenAt.seq}: ${report.brokenAt.reason} (${report.entries} entries)`);
          } else {
            console.log(`${t.code}: ok (${report.entries} entries)`);
          }
        }
        if (broken) throw new UsageError(`監査ログの改ざんを検出しました / The audit chain is broken in ${broken} tenant(s)`);
        return;
      }
      default:
        if (positionals[0] === 'plan' && positionals[1] === 'import') {
          const { importPlanFile } = await import('./modules/plan/plan.cli.ts');
          await importPlanFile(db, await tenantOf(db, tenantCode), positionals[2]);
          return;
        }
        throw new UsageError(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    }
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof DataDirLockedError) {
    console.error(err.message);
  } else if (err instanceof AppError) {
    console.error(err.detail ? `${err.detail.ja} / ${err.detail.en}` : err.message);
    for (const e of err.errors) console.error(`  ${e.path}: ${e.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
