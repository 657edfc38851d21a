// `npm run build` (and `npm install`, through `prepare`): compiles src/ to JavaScript in dist/
// with tsc, and copies the files the code reads at run time (templates, the stylesheet, seed
// documents) beside it, so production runs plain node without compiling TypeScript.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const ASSETS = /\.(njk|css|json|svg|png|ico|txt)$/;

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.error('TypeScript is not installed: run `npm install` (with dev dependencies) to build Hibiki.');
  process.exit(1);
}
if (process.argv.includes('--clean')) rmSync(dist, { recursive: true, force: true });
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

let copied = 0;
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const from = path.join(dir, name);
    if (statSync(from).isDirectory()) {
      if (name === 'testing' && dir === src) continue;
      copyAssets(from);
    } else if (ASSETS.test(name)) {
      const to = path.join(dist, path.relative(src, from));
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(from, to);
      copied++;
    }
  }
}
copyAssets(src);
writeFileSync(path.join(dist, 'BUILD'), `built ${new Date().toISOString()} from src/\n`);
console.log(`built dist/ (${copied} assets) in ${Date.now() - started} ms`);
