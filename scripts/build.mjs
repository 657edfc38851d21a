// `npm run build` (and `npm install`, through `prepare`): compiles src/ to JavaScript with tsc
// (into .build/tsc), then lays it out in dist/ with esbuild: every source file stays its own
// module at its own path (so import.meta.url, the migration folders and the templates beside
// the code work as in src/), while the pure-JavaScript dependencies are bundled into a few
// shared chunks in dist/vendor/. Loading hundreds of small files from node_modules was a third
// of the start-up time. Last, the files the code reads at run time (templates, the stylesheet,
// seed documents) are copied beside the code. Production runs plain node, no TypeScript.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const compiled = path.join(root, '.build', 'tsc');
const ASSETS = /\.(njk|css|json|svg|png|ico|txt)$/;

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.error('TypeScript is not installed: run `npm install` (with dev dependencies) to build Hibiki.');
  process.exit(1);
}
let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  console.error('esbuild is not installed: run `npm install` (with dev dependencies) to build Hibiki.');
  process.exit(1);
}
if (process.argv.includes('--clean')) {
  rmSync(dist, { recursive: true, force: true });
  rmSync(path.join(root, '.build'), { recursive: true, force: true });
}
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

// Packages left in node_modules: WebAssembly or native code found beside their own files,
// ECharts (large, loaded on the first chart), and pino (its transports start workers by path).
const EXTERNAL = /^(@electric-sql\/pglite|@node-rs\/argon2|echarts|pino|thread-stream|pg-native)(\/|$)/;
// Only files with a source: tsc never deletes the output of a removed file, and a stale
// migration in dist/ would run.
const entryPoints = readdirSync(compiled, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.js') && existsSync(path.join(src, f.replace(/\.js$/, '.ts'))))
  .map((f) => path.join(compiled, f));
rmSync(dist, { recursive: true, force: true });
await esbuild.build({
  entryPoints,
  outbase: compiled,
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'vendor/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __hibikiCreateRequire } from 'node:module'; const require = __hibikiCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'hibiki-layout',
      setup(build) {
        // Our own modules import each other by relative path: keep those imports, so that
        // every source file stays one module at its own place.
        build.onResolve({ filter: /^\.\.?\// }, (args) =>
          args.importer.startsWith(compiled + path.sep) ? { path: args.path, external: true } : undefined,
        );
        build.onResolve({ filter: EXTERNAL }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
});

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
