/**
 * Measures how long a failed sign-in takes for a registered e-mail and for an unknown one,
 * through the real app (inject) on the test database: N attempts of each, interleaved, each
 * from its own client address so no limit is reached. Run by hand:
 *   node --import tsx src/modules/accounts/accounts.sign-in.bench.ts [N]
 * (DATABASE_URL=postgres://… for PostgreSQL; an in-memory PGlite otherwise.)
 */
import { performance } from 'node:perf_hooks';
import { makeUser } from '../../testing/factories.ts';
import { newTenant, startTestApp } from '../../testing/harness.ts';

const N = Number(process.argv[2] ?? 50);

const ctx = await startTestApp();
try {
  const tenant = await newTenant(ctx.db);
  const user = await makeUser(ctx.db, tenant, 'citizen');
  const page = await ctx.app.inject({ method: 'GET', url: '/login', headers: { host: tenant.host, accept: 'text/html' } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  let address = 0;
  async function attempt(email: string): Promise<number> {
    address++;
    const remoteAddress = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    const payload = new URLSearchParams({ _csrf: csrf, email, password: 'not-the-password-at-all' }).toString();
    const started = performance.now();
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress,
      payload,
      headers: { host: tenant.host, cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    });
    const ms = performance.now() - started;
    if (res.statusCode !== 401) throw new Error(`expected 401, got ${res.statusCode}`);
    // The code before known devices locked the account itself after five failures: keep it
    // unlocked between tries, so both versions are measured on the same path (a no-op now).
    await ctx.db.query('update users set failed_logins = 0, locked_until = null where tenant_id = $1', [tenant.id]);
    return ms;
  }
  // Warm up both paths (the dummy hash, prepared statements).
  for (let i = 0; i < 5; i++) {
    await attempt(user.email);
    await attempt(`nobody-${i}@example.jp`);
  }
  const known: number[] = [];
  const unknown: number[] = [];
  // Alternating which goes first (ABBA), so drift in the machine's load hits both alike.
  for (let i = 0; i < N; i++) {
    if (i % 2 === 0) {
      known.push(await attempt(user.email));
      unknown.push(await attempt(`nobody-x${i}@example.jp`));
    } else {
      unknown.push(await attempt(`nobody-x${i}@example.jp`));
      known.push(await attempt(user.email));
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  /** Mean of the middle 80 %: one stall of the shared machine does not move it. */
  const trimmed = (xs: number[]) => mean([...xs].sort((a, b) => a - b).slice(Math.floor(xs.length / 10), Math.ceil((xs.length * 9) / 10)));
  const fmt = (xs: number[]) => `mean ${mean(xs).toFixed(1)} ms, trimmed mean ${trimmed(xs).toFixed(1)} ms, median ${median(xs).toFixed(1)} ms`;
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}; ${N} failed sign-ins each`);
  console.log(`known e-mail:   ${fmt(known)}`);
  console.log(`unknown e-mail: ${fmt(unknown)}`);
  console.log(`difference of means: ${(mean(known) - mean(unknown)).toFixed(1)} ms`);
} finally {
  await ctx.close();
}
