// `npm test`: runs every src/**/*.test.ts with node's test runner. Node 20 finds no .ts files
// from a folder or a quoted glob (and still exits 0), so the files are listed here and
// passed explicitly, and an empty list is a failure. The database is prepared once first:
// a migrated PGlite template (loaded by each test file), or a fresh PostgreSQL database
// when DATABASE_URL is set.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const files = readdirSync(path.join(root, 'src'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join('src', f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files found' + (filters.length ? ` matching ${filters.join(' ')}` : ''));
  process.exit(1);
}

const prepare = spawnSync(process.execPath, ['--import', 'tsx', 'src/testing/prepare-test-db.ts'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
});
if (prepare.status !== 0) process.exit(prepare.status ?? 1);
const env = { ...process.env, ...JSON.parse(prepare.stdout.trim().split('\n').pop()) };
console.log(`test database: ${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}; ${files.length} test files`);

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env },
);
if (env.HIBIKI_TEST_DROP_DATABASE) {
  spawnSync(process.execPath, ['--import', 'tsx', 'src/testing/prepare-test-db.ts', '--drop'], { cwd: root, stdio: 'inherit', env });
}
process.exit(result.status ?? 1);
