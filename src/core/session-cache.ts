/**
 * Signed-in sessions remembered in process, for a few seconds, where that is exact: on the
 * embedded database this process is the only writer, so a session read while no statement
 * changed anything since is still what the database holds. Any write (a sign-out, a disabled
 * user, a changed role, a passed or reset second factor, the session's own last-seen update,
 * or anything else) forgets every remembered session at once, so nothing revoked is ever
 * answered from here. On PostgreSQL other app servers write too, and every request asks the
 * database (see docs/decisions.md).
 *
 * Only complete sessions are remembered (a user, via a session cookie, two-factor passed):
 * a session waiting for its second factor is always looked up. The few seconds bound how long
 * a remembered session may outlive its natural end (its lifetime or idle timeout), and make
 * the session's last-seen time move on as before: a lookup at least every few seconds of use.
 * Entries are keyed by the cookie's value itself (held in memory only, as every request's
 * cookie is): hashing it on every request was a measurable part of a signed-in answer.
 */
import type { Auth } from './auth.ts';
import type { Sql } from './db/database.ts';

/** How long a remembered session is answered without asking the database. */
export const SESSION_CACHE_MS = 5_000;

interface Remembered {
  auth: Auth;
  generation: number;
  until: number;
}

export class SessionCache {
  private readonly entries = new Map<string, Remembered>();

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
    private readonly capacity = 10_000,
  ) {}

  /** The session's Auth when remembered and still exact, without asking anything. */
  peek(tenantId: string, token: string): Auth | undefined {
    if (!this.sql.soleProcess) return undefined;
    const key = `${tenantId}|${token}`;
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.generation !== this.sql.writeGeneration() || hit.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.auth;
  }

  /** The session's Auth: remembered, or looked up (and remembered when that is exact). */
  async authenticate(tenantId: string, token: string, lookUp: () => Promise<Auth>): Promise<Auth> {
    const known = this.peek(tenantId, token);
    if (known) return known;
    if (!this.sql.soleProcess) return lookUp();
    const generation = this.sql.writeGeneration();
    const auth = await lookUp();
    // A lookup that raced a write (or made one: its last-seen update) is used, not kept.
    if (auth.user && auth.via === 'session' && auth.mfaPassed && generation === this.sql.writeGeneration()) {
      if (this.entries.size >= this.capacity) this.entries.clear();
      this.entries.set(`${tenantId}|${token}`, { auth, generation, until: this.now() + SESSION_CACHE_MS });
    }
    return auth;
  }
}
