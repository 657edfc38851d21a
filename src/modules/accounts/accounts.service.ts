/**
 * Accounts: creating users, sign-up with e-mail confirmation (rate limited), sign-in with
 * database-backed limits per account and client (known devices), TOTP two-factor (enrolment
 * and verification, recovery codes), API tokens, and the administrator's user management. Routes call these functions; SQL
 * stays in accounts.repository.ts.
 */
import * as OTPAuth from 'otpauth';
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser, Role } from '../../core/auth.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import { decrypt, encrypt, hmac, randomToken, safeEqual, sha256 } from '../../core/crypto.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import { enqueueMail, listOutbox, type OutboxEntry } from '../../core/mail.ts';
import { clearRateLimit, enforceRateLimits, hitRateLimit, releaseRateLimit, type RateLimit } from '../../core/rate-limit.ts';
import { findDepartment, listDepartments as listTenantDepartments, type Department, type Tenant } from '../../core/tenancy.ts';
import { accountsText, bilingualMail } from './accounts.messages.ts';
import { recordAgreements } from './accounts.agreements.ts';
import { canRevokeApiToken, requiresTwoFactor } from './accounts.policy.ts';
import * as repo from './accounts.repository.ts';
import { createApiToken, createSession, destroySession, hashPassword, revokeApiToken, verifyPassword } from './accounts.sessions.ts';
import { NewUserSchema, toFieldErrors, type SignupInput } from './accounts.schema.ts';

const EMAIL_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/**
 * Sign-ups and confirmation-mail resends, each counted per client address and per e-mail
 * address (whether registered or not, so the limit tells nothing) before any work is done:
 * each can make a mail and costs an argon2 hash. A venue's shared Wi-Fi still fits 20 an hour.
 */
export const SIGN_UP_LIMITS = {
  signUpPerClient: { bucket: 'accounts.sign_up.client', limit: 20, windowSeconds: 60 * 60 },
  signUpPerAddress: { bucket: 'accounts.sign_up.address', limit: 3, windowSeconds: 60 * 60 },
  resendPerClient: { bucket: 'accounts.resend.client', limit: 10, windowSeconds: 60 * 60 },
  resendPerAddress: { bucket: 'accounts.resend.address', limit: 3, windowSeconds: 60 * 60 },
} as const satisfies Record<string, RateLimit>;
/** At most this many confirmation mails per account per hour (resend cannot be used to spam). */
const VERIFY_MAILS_PER_HOUR = 3;
const TOTP = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 } as const;
const TOTP_ISSUER = 'Hibiki';
/** How long a two-factor set-up page stays valid. */
const TOTP_SETUP_TTL_MS = 30 * 60 * 1000;
const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

// ---------------------------------------------------------------------------------------------
// Users

/**
 * Creates an account after validating it (e-mail format, password policy, department for
 * staff). Validation problems are AppError('validation') listing every field, in lang or in
 * both languages; a taken e-mail is AppError('conflict').
 */
export async function createUserAccount(
  tx: Sql,
  tenant: Tenant,
  input: {
    email: string;
    password: string;
    role: Role;
    displayName: string;
    departmentCode?: string | undefined;
    emailVerified?: boolean;
  },
  /** passwordHash: the password already hashed (hashPassword) outside the transaction. */
  options: { lang?: Lang; passwordHash?: string } = {},
): Promise<{ id: string; email: string; role: Role }> {
  const { lang } = options;
  const parsed = NewUserSchema.safeParse(input);
  const errors: FieldError[] = parsed.success ? [] : toFieldErrors(parsed.error.issues, lang);
  const departmentCode = typeof input.departmentCode === 'string' ? input.departmentCode.trim() : '';
  let departmentId: string | null = null;
  if (departmentCode && !errors.some((e) => e.path === 'departmentCode')) {
    const department = await findDepartment(tx, tenant.id, departmentCode);
    if (department && !department.retiredAt) departmentId = department.id;
    else errors.push({ path: 'departmentCode', message: accountsText('accounts.error.departmentUnknown', lang) });
  }
  if (!parsed.success || errors.length) throw new AppError('validation', undefined, errors);

  const created = await repo.insertUser(tx, {
    tenantId: tenant.id,
    email: parsed.data.email,
    passwordHash: options.passwordHash ?? (await hashPassword(parsed.data.password)),
    displayName: parsed.data.displayName,
    role: parsed.data.role,
    departmentId,
    emailVerified: input.emailVerified ?? false,
  });
  if (!created) {
    throw new AppError(
      'conflict',
      { ja: accountsText('accounts.error.emailTaken', 'ja'), en: accountsText('accounts.error.emailTaken', 'en') },
      [{ path: 'email', message: accountsText('accounts.error.emailTaken', lang) }],
    );
  }
  return created;
}

/** The account with this e-mail (any case), if any. */
export async function findUserByEmail(
  sql: Sql,
  tenantId: string,
  email: string,
): Promise<{ id: string; email: string; role: Role; displayName: string } | undefined> {
  const row = await repo.findUserByEmail(sql, tenantId, email.trim().toLowerCase());
  return row && { id: row.id, email: row.email, role: row.role, displayName: row.display_name };
}

/** One demo account per role. The passwords are published: for demonstration only. */
export const DEMO_ACCOUNTS = [
  { role: 'citizen', email: 'citizen@demo.hibiki.example', password: 'demo-citizen-2026', displayName: 'デモ市民', department: undefined },
  { role: 'staff', email: 'staff@demo.hibiki.example', password: 'demo-staff-2026', displayName: 'デモ職員（市民協働課）', department: 'shimin-kyodo' },
  { role: 'plan_manager', email: 'planner@demo.hibiki.example', password: 'demo-planner-2026', displayName: 'デモ計画管理者（政策推進課）', department: 'seisaku-suishin' },
  { role: 'admin', email: 'admin@demo.hibiki.example', password: 'demo-admin-2026', displayName: 'デモ管理者（情報政策課）', department: 'joho-seisaku' },
] as const satisfies readonly { role: Role; email: string; password: string; displayName: string; department: string | undefined }[];

/** Seeds the demo departments and accounts (idempotent); returns the lines to print. */
export async function seedDemoAccounts(tx: Sql, tenant: Tenant): Promise<string[]> {
  const lines: string[] = [];
  for (const a of DEMO_ACCOUNTS) {
    if (!(await repo.findUserByEmail(tx, tenant.id, a.email))) {
      await createUserAccount(tx, tenant, {
        email: a.email,
        password: a.password,
        role: a.role,
        displayName: a.displayName,
        departmentCode: a.department,
        emailVerified: true,
      });
    }
    lines.push(`${a.role}: ${a.email} / ${a.password} (デモ用 / demo only)`);
  }
  lines.push('職員・計画管理者・管理者は初回ログイン時に二要素認証（TOTP）を設定します / staff, plan_manager and admin enrol TOTP two-factor at first sign-in');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Sign-up and e-mail confirmation

/** Queues the confirmation mail with a fresh single-use link (stored hashed, 24 h). */
async function queueVerificationMail(tx: Sql, config: Config, tenant: Tenant, user: { id: string; email: string; displayName: string }) {
  const token = randomToken();
  await repo.insertEmailToken(tx, {
    tenantId: tenant.id,
    userId: user.id,
    tokenHash: sha256(token),
    purpose: 'verify_email',
    ttlSeconds: EMAIL_TOKEN_TTL_SECONDS,
  });
  const link = `${config.publicUrl}/verify-email?token=${encodeURIComponent(token)}`;
  await enqueueMail(tx, {
    tenantId: tenant.id,
    to: user.email,
    subject: accountsText('accounts.mail.verifySubject'),
    text: bilingualMail('accounts.mail.verifyBody', { name: user.displayName, link }),
  });
}

/**
 * 新規登録 — creates a citizen with an unconfirmed address and queues the confirmation mail.
 * A taken address is answered like a new one, so the page does not reveal who is registered:
 * an unconfirmed account gets a new link (rate-limited), a confirmed one nothing (a mail per
 * attempt would let anyone flood its owner).
 */
export async function signUp(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  input: SignupInput & { clientAddress: string },
  lang: Lang,
): Promise<void> {
  const { config } = deps;
  await enforceRateLimits(db, deps.clock, tenant.id, [
    { rule: SIGN_UP_LIMITS.signUpPerClient, key: input.clientAddress },
    { rule: SIGN_UP_LIMITS.signUpPerAddress, key: input.email.trim().toLowerCase() },
  ]);
  // Hash before the transaction: on the embedded database a transaction holds every query.
  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    try {
      const user = await createUserAccount(
        tx,
        tenant,
        { email: input.email, password: input.password, displayName: input.displayName, role: 'citizen', emailVerified: false },
        { lang, passwordHash },
      );
      await recordAgreements(tx, tenant.id, user.id, deps.clock.now());
      await queueVerificationMail(tx, config, tenant, { ...user, displayName: input.displayName });
      await appendAudit(tx, {
        tenantId: tenant.id,
        actorId: user.id,
        actorLabel: user.email,
        action: 'user.sign_up',
        entityType: 'user',
        entityId: user.id,
        details: { role: 'citizen' },
      });
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      const existing = await repo.findLoginUserByEmail(tx, tenant.id, input.email);
      if (existing && !existing.email_verified && !existing.disabled) await queueVerificationMailLimited(tx, config, tenant, existing);
    }
  });
}

async function queueVerificationMailLimited(tx: Sql, config: Config, tenant: Tenant, user: repo.LoginUserRow): Promise<void> {
  const recent = await repo.countRecentEmailTokens(tx, tenant.id, user.id, EMAIL_TOKEN_TTL_SECONDS, 3600);
  if (recent >= VERIFY_MAILS_PER_HOUR) return;
  await queueVerificationMail(tx, config, tenant, { id: user.id, email: user.email, displayName: user.display_name });
}

/**
 * Sends a new confirmation link when the address belongs to an unconfirmed account; silent
 * otherwise. Limited per client and per address (RateLimitedError).
 */
export async function resendVerification(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  input: { email: string; clientAddress: string },
): Promise<void> {
  const { config } = deps;
  const email = input.email.trim().toLowerCase();
  await enforceRateLimits(db, deps.clock, tenant.id, [
    { rule: SIGN_UP_LIMITS.resendPerClient, key: input.clientAddress },
    { rule: SIGN_UP_LIMITS.resendPerAddress, key: email },
  ]);
  await db.transaction(async (tx) => {
    const user = await repo.findLoginUserByEmail(tx, tenant.id, email);
    if (user && !user.email_verified && !user.disabled) await queueVerificationMailLimited(tx, config, tenant, user);
  });
}

/** Confirms an address with the mailed token (single use); false when unknown, used or expired. */
export async function verifyEmail(db: Db, tenant: Tenant, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  return db.transaction(async (tx) => {
    const used = await repo.consumeEmailToken(tx, tenant.id, sha256(token), 'verify_email');
    if (!used) return false;
    await repo.markEmailVerified(tx, tenant.id, used.user_id);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Sign-in
//
// Limits (counters in core's rate_limits, so every app server sees the same counts). Every
// attempt is counted before its password or code is checked, so a burst of concurrent
// guesses gets no more checks than the limits allow; a right password gives its count back.
// - pair: failures for one e-mail from one client. The client is the browser's device cookie
//   when that browser signed in to this account before (a known device), its network address
//   otherwise. Five failures refuse that pair for the rest of its window, and only that pair:
//   the owner at home, or on a device they used before, is not shut out by someone else's
//   guesses. Unknown e-mails are counted the same way, so the refusal tells nothing.
//   Beyond it, as beyond the next two, the password is answered by mail (below).
// - client: failures from one network address, across e-mails, for browsers unknown to the
//   account (credential stuffing). Known devices behind the same NAT are not counted by it.
// - account: attempts on one e-mail from unknown devices, across addresses (guessing spread
//   over many addresses). Known devices are not counted by it.
// Beyond any of them a right password still gets through, by a single-use link mailed to the
// account's address: the answer ("if it was right, we have mailed you a link") is the same
// whether the password was right or not, so the guesser learns nothing, and the owner is told.
// These checks have their own allowance per address (clientMaxByMail); after it, 429 or locked.
// See docs/decisions.md (accounts: sign-in limits).

/** Sign-in limits. */
export const SIGN_IN_LIMITS = {
  /** Failures for one e-mail from one client (device or address) within the window; the next is refused. */
  pairMaxFailures: 5,
  pairWindowSeconds: 15 * 60,
  /** Failures from one address (browsers unknown to the account) within the window before answering 429. */
  clientMaxFailures: 20,
  clientWindowSeconds: 15 * 60,
  /** Passwords checked beyond any limit (answered by mail) from one address within the window, before 429 or locked. */
  clientMaxByMail: 50,
  /** How long a mailed sign-in link is good, and how many an account gets an hour. */
  signInLinkTtlSeconds: 15 * 60,
  signInLinksPerHour: 3,
  /** Attempts on one e-mail from unknown devices, all addresses together, within the window. */
  accountMaxAttempts: 100,
  accountWindowSeconds: 60 * 60,
  /** Wrong two-factor codes for one account from devices unknown to it, all addresses together. */
  accountMaxCodeFailures: 20,
} as const;

const PAIR_RULE: RateLimit = { bucket: 'accounts.sign_in.pair', limit: SIGN_IN_LIMITS.pairMaxFailures, windowSeconds: SIGN_IN_LIMITS.pairWindowSeconds };
const CLIENT_RULE: RateLimit = { bucket: 'accounts.sign_in.client', limit: SIGN_IN_LIMITS.clientMaxFailures, windowSeconds: SIGN_IN_LIMITS.clientWindowSeconds };
const BY_MAIL_RULE: RateLimit = { bucket: 'accounts.sign_in.by_mail', limit: SIGN_IN_LIMITS.clientMaxByMail, windowSeconds: SIGN_IN_LIMITS.clientWindowSeconds };
const ACCOUNT_RULE: RateLimit = { bucket: 'accounts.sign_in.account', limit: SIGN_IN_LIMITS.accountMaxAttempts, windowSeconds: SIGN_IN_LIMITS.accountWindowSeconds };
const CODE_ACCOUNT_RULE: RateLimit = {
  bucket: 'accounts.two_factor.account',
  limit: SIGN_IN_LIMITS.accountMaxCodeFailures,
  windowSeconds: SIGN_IN_LIMITS.pairWindowSeconds,
};

/** Who is signing in: the network address and the browser's device cookie, if any. */
export interface SignInClient {
  address: string;
  /** The device cookie's value, or null when the browser sent none. */
  deviceToken: string | null;
}

/** What a sign-in attempt led to. */
export type SignInResult =
  | {
      kind: 'signed_in';
      sessionToken: string;
      /** passed: the session counts; verify: ask for a TOTP code; enrol: set up TOTP first. */
      secondFactor: 'passed' | 'verify' | 'enrol';
      /** A new device cookie to set (the browser had none). */
      deviceToken: string | null;
    }
  | { kind: 'invalid' }
  | { kind: 'locked' }
  | { kind: 'rate_limited' }
  /** The address is over its limit: a right password was answered by a mailed link (or was wrong: the same answer). */
  | { kind: 'check_mail' }
  | { kind: 'unverified'; email: string };

let dummyHash: Promise<string> | undefined;
/**
 * A hash (same argon2 parameters as real ones) to verify against when the account does not
 * exist, so the answer takes as long. Made once; warmDummyHash makes it at start-up.
 */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken());
  return dummyHash;
}

/** Makes the dummy hash now, so the first sign-in with an unknown e-mail is not slower. */
export function warmDummyHash(): void {
  void dummyPasswordHash();
}

/** The counters one attempt took, to give back when it turns out right. */
interface Reservation {
  tenantId: string;
  pairKey: string;
  /** The address, when the client limit counted this attempt. */
  clientKey: string | null;
  /** The account counter and its key, when it counted this attempt. */
  account: { rule: RateLimit; key: string } | null;
  /** The address was over its limit: a right password is confirmed by mail. */
  byMail: boolean;
}

const deviceHashOf = (client: SignInClient) => (client.deviceToken ? sha256(`device:${client.deviceToken}`) : '');

/**
 * Counts the attempt against its limits before anything is checked. 'rate_limited' (the
 * address is over its limit), 'locked' (the pair or the account is), or the reservation.
 */
async function reserve(
  db: Db,
  clock: Clock,
  tenantId: string,
  input: {
    email: string;
    client: SignInClient;
    knownDevice: boolean;
    accountRule: RateLimit;
    accountKey: string;
    /** Password sign-in: beyond a limit, answer by mail. Two-factor codes: refuse, and skip the address counter. */
    byMail: boolean;
  },
): Promise<Reservation | 'rate_limited' | 'locked'> {
  const { client, knownDevice } = input;
  const pairKey = `${input.email}\n${knownDevice ? `device:${deviceHashOf(client)}` : `ip:${client.address}`}`;
  const reservation: Reservation = {
    tenantId,
    pairKey,
    // The address counter is against guessing passwords across accounts; a two-factor step
    // already proved one, so codes are counted per pair and per account only.
    clientKey: knownDevice || !input.byMail ? null : client.address,
    account: knownDevice ? null : { rule: input.accountRule, key: input.accountKey },
    byMail: false,
  };
  const overClient = reservation.clientKey !== null && !(await hitRateLimit(db, clock, tenantId, CLIENT_RULE, reservation.clientKey)).allowed;
  if (overClient && !input.byMail) return 'rate_limited';
  const pair = await hitRateLimit(db, clock, tenantId, PAIR_RULE, pairKey);
  const account = reservation.account && (await hitRateLimit(db, clock, tenantId, reservation.account.rule, reservation.account.key));
  const overAccount = !pair.allowed || (account !== null && !account.allowed);
  if (!overClient && !overAccount) return reservation;
  const refused = overAccount ? 'locked' : 'rate_limited';
  // Over a limit: a password is still checked, up to an allowance per address, but answered
  // only by mail (to the account, when right), so these checks tell the guesser nothing.
  if (!input.byMail || !(await hitRateLimit(db, clock, tenantId, BY_MAIL_RULE, client.address)).allowed) return refused;
  reservation.byMail = true;
  return reservation;
}

/** The attempt was right: its pair starts again, and the other counters get their count back. */
async function release(sql: Sql, clock: Clock, r: Reservation): Promise<void> {
  await clearRateLimit(sql, r.tenantId, PAIR_RULE.bucket, r.pairKey);
  if (r.clientKey !== null) await releaseRateLimit(sql, clock, r.tenantId, CLIENT_RULE, r.clientKey);
  if (r.account) await releaseRateLimit(sql, clock, r.tenantId, r.account.rule, r.account.key);
}

/** Audits a failed attempt, for a registered account or not (the same work either way). */
async function recordFailure(db: Db, tenant: Tenant, userId: string | null, reason: string): Promise<void> {
  // One statement on its own: no BEGIN and COMMIT round trips around it (failed sign-ins come in floods).
  await appendAudit(db, {
    tenantId: tenant.id,
    actorId: null,
    actorLabel: 'anonymous',
    action: 'user.sign_in_failed',
    entityType: 'user',
    entityId: userId,
    details: { reason: userId ? reason : 'unknown_account' },
  });
}

/**
 * Completes a sign-in: rotates the session, and once the sign-in counts (second factor
 * passed, or not needed) remembers the device and audits it. Returns the session token and
 * the new device cookie, if the browser had none.
 */
async function startSession(
  tx: Sql,
  tenant: Tenant,
  user: { id: string; email: string },
  input: { previousSessionHash: string | null; secondFactorPassed: boolean; method: string | null; client: SignInClient },
): Promise<{ sessionToken: string; deviceToken: string | null }> {
  if (input.previousSessionHash) await destroySession(tx, tenant.id, input.previousSessionHash);
  const sessionToken = await createSession(tx, tenant.id, user.id, input.secondFactorPassed);
  const deviceToken = input.client.deviceToken ? null : randomToken();
  const device = { address: input.client.address, deviceToken: input.client.deviceToken ?? deviceToken };
  if (input.secondFactorPassed) {
    await repo.rememberDevice(tx, tenant.id, user.id, deviceHashOf(device));
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'user.sign_in',
      entityType: 'user',
      entityId: user.id,
      details: { method: input.method },
    });
  }
  return { sessionToken, deviceToken };
}

/**
 * ログイン — checks the password under the limits above. An unknown (or disabled) e-mail goes
 * through the same steps as a registered one (counters, a dummy argon2 check, an audited
 * failure), so neither the answer nor its timing tells whether the account exists. For roles
 * that need two-factor, and for anyone who turned it on, the new session does not count until the second step.
 */
export async function signIn(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  input: { email: string; password: string; client: SignInClient; previousSessionHash: string | null },
): Promise<SignInResult> {
  const { config, clock } = deps;
  const email = input.email.trim().toLowerCase();
  const found = await repo.findLoginUserByEmail(db, tenant.id, email, deviceHashOf(input.client));
  const user = found && !found.disabled ? found : undefined;
  const reservation = await reserve(db, clock, tenant.id, {
    email,
    client: input.client,
    knownDevice: user?.known_device ?? false,
    accountRule: ACCOUNT_RULE,
    accountKey: email,
    byMail: true,
  });
  if (reservation === 'rate_limited' || reservation === 'locked') {
    await recordFailure(db, tenant, user?.id ?? null, reservation);
    return { kind: reservation };
  }
  const passwordOk = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!user || !passwordOk) {
    await recordFailure(db, tenant, user?.id ?? null, reservation.byMail ? 'wrong_password_answered_by_mail' : 'wrong_password');
    return { kind: reservation.byMail ? 'check_mail' : 'invalid' };
  }
  if (reservation.byMail) {
    // Nothing is given back: a right guess must not reopen the way to a direct answer.
    if (user.email_verified) await mailSignInLink(db, config, tenant, user);
    return { kind: 'check_mail' };
  }
  await release(db, clock, reservation);
  if (!user.email_verified) return { kind: 'unverified', email: user.email };
  const needsSecond = requiresTwoFactor(user.role) || user.totp_enabled;
  const started = await db.transaction((tx) =>
    startSession(tx, tenant, user, {
      previousSessionHash: input.previousSessionHash,
      secondFactorPassed: !needsSecond,
      method: needsSecond ? null : 'password',
      client: input.client,
    }),
  );
  return {
    kind: 'signed_in',
    sessionToken: started.sessionToken,
    secondFactor: !needsSecond ? 'passed' : user.totp_enabled ? 'verify' : 'enrol',
    deviceToken: started.deviceToken,
  };
}

/** Mails a single-use sign-in link to the account (at most signInLinksPerHour an hour), audited. */
async function mailSignInLink(db: Db, config: Config, tenant: Tenant, user: repo.LoginUserRow): Promise<void> {
  const ttl = SIGN_IN_LIMITS.signInLinkTtlSeconds;
  await db.transaction(async (tx) => {
    if ((await repo.countRecentTokensOf(tx, tenant.id, user.id, 'sign_in', ttl, 3600)) >= SIGN_IN_LIMITS.signInLinksPerHour) return;
    const token = randomToken();
    await repo.insertEmailToken(tx, { tenantId: tenant.id, userId: user.id, tokenHash: sha256(token), purpose: 'sign_in', ttlSeconds: ttl });
    const link = `${config.publicUrl}/login/link?token=${encodeURIComponent(token)}`;
    await enqueueMail(tx, {
      tenantId: tenant.id,
      to: user.email,
      subject: accountsText('accounts.mail.signInSubject'),
      text: bilingualMail('accounts.mail.signInBody', { name: user.display_name, link }),
    });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: null,
      actorLabel: 'anonymous',
      action: 'user.sign_in_link_sent',
      entityType: 'user',
      entityId: user.id,
    });
  });
}

/** Whether a mailed sign-in link is still good (the confirmation page is worth showing). */
export function signInLinkIsLive(db: Db, tenant: Tenant, token: string): Promise<boolean> {
  return repo.emailTokenIsLive(db, tenant.id, sha256(token), 'sign_in');
}

/**
 * Signs in with a mailed link (spent by this): like a right password, the device becomes known;
 * roles that need two-factor still give their code. 'invalid' when the link is unknown, used
 * or expired, or the account was disabled since.
 */
export async function signInWithLink(
  db: Db,
  tenant: Tenant,
  input: { token: string; client: SignInClient; previousSessionHash: string | null },
): Promise<SignInResult> {
  return db.transaction(async (tx): Promise<SignInResult> => {
    const used = await repo.consumeEmailToken(tx, tenant.id, sha256(input.token), 'sign_in');
    const user = used && (await repo.findLoginUserById(tx, tenant.id, used.user_id));
    if (!user || user.disabled) return { kind: 'invalid' };
    const needsSecond = requiresTwoFactor(user.role) || user.totp_enabled;
    const started = await startSession(tx, tenant, user, {
      previousSessionHash: input.previousSessionHash,
      secondFactorPassed: !needsSecond,
      method: needsSecond ? null : 'mailed_link',
      client: input.client,
    });
    return { kind: 'signed_in', ...started, secondFactor: !needsSecond ? 'passed' : user.totp_enabled ? 'verify' : 'enrol' };
  });
}

/** What the second step led to. */
export type SecondFactorResult =
  | { kind: 'ok'; sessionToken: string; deviceToken: string | null }
  | { kind: 'invalid' }
  | { kind: 'locked' }
  | { kind: 'rate_limited' }
  | { kind: 'not_enrolled' };

function totpFor(secretBase32: string, label = ''): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: TOTP.algorithm,
    digits: TOTP.digits,
    period: TOTP.period,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

/** The time step a code belongs to at the clock's time (within the allowed window), or null when it matches none. */
export function totpStep(clock: Clock, secretBase32: string, code: string): number | null {
  const timestamp = clock.now().getTime();
  const delta = totpFor(secretBase32).validate({ token: code, window: TOTP.window, timestamp });
  return delta === null ? null : Math.floor(timestamp / 1000 / TOTP.period) + delta;
}

/** Recovery codes are compared without case, spaces or hyphens. */
function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function recoveryCodeHash(userId: string, code: string): string {
  return sha256(`${userId}:${normaliseRecoveryCode(code)}`);
}

/**
 * 二要素認証 — the second step of sign-in: a current TOTP code, or an unused recovery code
 * (spent by this). Wrong codes count towards the same pair limit as passwords, and (from
 * devices unknown to the account) towards an account-wide limit on wrong codes; not towards
 * the address's limit, so a colleague behind an attacked NAT still gets through. On success the
 * session is replaced by a new one that counts.
 */
export async function verifySecondFactor(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  input: { user: AuthUser; sessionHash: string; code: string; client: SignInClient },
): Promise<SecondFactorResult> {
  const { config, clock } = deps;
  const user = await repo.findLoginUserById(db, tenant.id, input.user.id, deviceHashOf(input.client));
  if (!user || user.disabled) return { kind: 'invalid' };
  if (!user.totp_enabled || !user.totp_secret_enc) return { kind: 'not_enrolled' };
  const reservation = await reserve(db, clock, tenant.id, {
    email: user.email,
    client: input.client,
    knownDevice: user.known_device,
    accountRule: CODE_ACCOUNT_RULE,
    accountKey: user.id,
    byMail: false,
  });
  if (reservation === 'rate_limited' || reservation === 'locked') {
    await recordFailure(db, tenant, user.id, reservation);
    return { kind: reservation };
  }
  const code = input.code.replace(/\s/g, '');
  const isTotp = /^\d{6}$/.test(code);
  const started = await db.transaction(async (tx) => {
    if (isTotp) {
      const step = totpStep(clock, decrypt(config.encryptionKey, user.totp_secret_enc!), code);
      if (step === null || !(await repo.claimTotpStep(tx, tenant.id, user.id, step))) return null;
    } else if (!(await repo.consumeRecoveryCode(tx, tenant.id, user.id, recoveryCodeHash(user.id, code)))) {
      return null;
    }
    await release(tx, clock, reservation);
    return startSession(tx, tenant, user, {
      previousSessionHash: input.sessionHash,
      secondFactorPassed: true,
      method: isTotp ? 'totp' : 'recovery_code',
      client: input.client,
    });
  });
  if (started) return { kind: 'ok', ...started };
  await recordFailure(db, tenant, user.id, 'wrong_code');
  return { kind: 'invalid' };
}

/** A two-factor set-up in progress: the secret travels in the form, signed to this session. */
export interface TotpSetup {
  secret: string;
  /** "<issued-at ms>.<HMAC>" binding the secret to tenant, user and session. */
  signature: string;
  /** Data URL of a PNG QR code for the otpauth:// URI. */
  qrDataUrl: string;
  /** The secret in groups of four, for typing in by hand. */
  secretGroups: string;
}

function setupSignature(config: Config, tenant: Tenant, userId: string, sessionHash: string, secret: string, issuedAt: number) {
  return hmac(config.secret, ['totp-setup', tenant.id, userId, sessionHash, secret, issuedAt].join('\n'));
}

/** Starts TOTP enrolment with a new secret (nothing stored until the user confirms a code). */
export async function beginTotpSetup(
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  user: AuthUser,
  sessionHash: string,
): Promise<TotpSetup> {
  return describeSetup(deps.config, tenant, user, sessionHash, new OTPAuth.Secret({ size: 20 }).base32, deps.clock.now().getTime());
}

async function describeSetup(
  config: Config,
  tenant: Tenant,
  user: AuthUser,
  sessionHash: string,
  secret: string,
  issuedAt: number,
): Promise<TotpSetup> {
  const uri = totpFor(secret, user.email).toString();
  return {
    secret,
    signature: `${issuedAt}.${setupSignature(config, tenant, user.id, sessionHash, secret, issuedAt)}`,
    // qrcode (with its PNG encoder, ~140 KB) loads on the first enrolment, not at every start.
    qrDataUrl: await (await import('qrcode')).default.toDataURL(uri, { margin: 2, width: 240 }),
    secretGroups: secret.match(/.{1,4}/g)!.join(' '),
  };
}

/** The set-up the form carried, when its signature is valid for this session and recent; null otherwise. */
export async function resumeTotpSetup(
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  user: AuthUser,
  sessionHash: string,
  secret: string,
  signature: string,
): Promise<TotpSetup | null> {
  const { config } = deps;
  const [issuedText = '', mac = ''] = signature.split('.');
  const issuedAt = Number(issuedText);
  const age = deps.clock.now().getTime() - issuedAt;
  const valid =
    /^[A-Z2-7]{16,64}$/.test(secret) &&
    Number.isSafeInteger(issuedAt) &&
    age >= -60_000 &&
    age < TOTP_SETUP_TTL_MS &&
    safeEqual(mac, setupSignature(config, tenant, user.id, sessionHash, secret, issuedAt));
  return valid ? describeSetup(config, tenant, user, sessionHash, secret, issuedAt) : null;
}

/** The outcome of confirming enrolment. */
export type TotpSetupResult =
  | { kind: 'ok'; sessionToken: string; deviceToken: string | null; recoveryCodes: string[] }
  | { kind: 'expired' }
  | { kind: 'wrong_code'; setup: TotpSetup }
  | { kind: 'already_enrolled' };

/**
 * Confirms TOTP enrolment: checks the signed secret and a code from it, then stores the secret
 * encrypted, issues 10 single-use recovery codes (stored hashed, returned once) and replaces
 * the session with one that has passed two-factor.
 */
export async function confirmTotpSetup(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  input: { user: AuthUser; sessionHash: string; secret: string; signature: string; code: string; client: SignInClient },
): Promise<TotpSetupResult> {
  const { config, clock } = deps;
  const { user, sessionHash, secret } = input;
  const setup = await resumeTotpSetup(deps, tenant, user, sessionHash, secret, input.signature);
  if (!setup) return { kind: 'expired' };
  const step = totpStep(clock, secret, input.code);
  if (step === null) return { kind: 'wrong_code', setup };
  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const started = await db.transaction(async (tx) => {
    if (!(await repo.enableTotp(tx, tenant.id, user.id, encrypt(config.encryptionKey, secret), step))) return null;
    await repo.replaceRecoveryCodes(tx, tenant.id, user.id, recoveryCodes.map((c) => recoveryCodeHash(user.id, c)));
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'user.totp_enable',
      entityType: 'user',
      entityId: user.id,
    });
    return startSession(tx, tenant, user, { previousSessionHash: sessionHash, secondFactorPassed: true, method: 'totp', client: input.client });
  });
  return started ? { kind: 'ok', ...started, recoveryCodes } : { kind: 'already_enrolled' };
}

function newRecoveryCode(): string {
  let code = '';
  for (const byte of Buffer.from(randomToken(16), 'base64url').subarray(0, 10)) {
    code += RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length];
  }
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** ログアウト — ends the session and audits it. */
export async function signOut(db: Db, tenant: Tenant, user: AuthUser | null, sessionHash: string | null): Promise<void> {
  if (!sessionHash) return;
  await db.transaction(async (tx) => {
    await destroySession(tx, tenant.id, sessionHash);
    if (user) {
      await appendAudit(tx, {
        tenantId: tenant.id,
        actorId: user.id,
        actorLabel: user.email,
        action: 'user.sign_out',
        entityType: 'user',
        entityId: user.id,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The account page and API tokens

export interface TokenSummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const toTokenSummary = (r: repo.ApiTokenRow): TokenSummary => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** The signed-in user's profile, department and tokens. */
export async function accountOverview(db: Db, tenant: Tenant, user: AuthUser) {
  const [profile, tokens] = await Promise.all([repo.findUserById(db, tenant.id, user.id), repo.listApiTokens(db, tenant.id, user.id)]);
  if (!profile) throw new AppError('unauthenticated');
  return { profile, tokens: tokens.map(toTokenSummary) };
}

/** The user's API tokens, newest first. */
export async function listTokens(db: Db, tenant: Tenant, user: AuthUser): Promise<TokenSummary[]> {
  return (await repo.listApiTokens(db, tenant.id, user.id)).map(toTokenSummary);
}

/** Issues an API token for the user (audited); the token is returned only here. */
export async function createToken(
  db: Db,
  tenant: Tenant,
  user: { id: string; email: string },
  name: string,
  /** Who issues it: the user themself, or null for the command line. */
  actor: { id: string; email: string } | null = user,
): Promise<{ id: string; name: string; token: string }> {
  return db.transaction(async (tx) => {
    const issued = await createApiToken(tx, tenant.id, user.id, name);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor?.id ?? null,
      actorLabel: actor?.email ?? 'cli',
      action: 'token.create',
      entityType: 'api_token',
      entityId: issued.id,
      details: { name, ...(actor ? {} : { user: user.email }) },
    });
    return { id: issued.id, name, token: issued.token };
  });
}

/** Revokes one of the user's tokens (audited); 404 when it is not theirs. Revoking twice is a no-op. */
export async function revokeToken(db: Db, tenant: Tenant, user: AuthUser, tokenId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const token = await repo.findApiToken(tx, tenant.id, tokenId);
    if (!token || !canRevokeApiToken(user, { userId: token.user_id })) throw new AppError('not_found');
    if (!(await revokeApiToken(tx, tenant.id, user.id, tokenId))) return;
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'token.revoke',
      entityType: 'api_token',
      entityId: tokenId,
      details: { name: token.name },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Administration (routes check canManageUsers first)

/** Every user of the tenant. */
export function listUsersForAdmin(db: Db, tenant: Tenant): Promise<repo.UserListRow[]> {
  return repo.listUsers(db, tenant.id);
}

/** The tenant's departments, for the new-user form. */
export function listDepartments(db: Db, tenant: Tenant): Promise<Department[]> {
  return listTenantDepartments(db, tenant.id, { activeOnly: true });
}

/**
 * An administrator adds an account (confirmed address; staff roles enrol two-factor at first
 * sign-in). Problems, a taken address included, come back as AppError('validation').
 */
export async function adminCreateUser(
  db: Db,
  tenant: Tenant,
  /** The administrator, or null for the command line (`hibiki user create`). */
  actor: AuthUser | null,
  input: { email: string; password: string; role: Role; displayName: string; departmentCode?: string | undefined },
  lang?: Lang,
): Promise<{ id: string; email: string; role: Role }> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const created = await createUserAccount(tx, tenant, { ...input, emailVerified: true }, { ...(lang ? { lang } : {}), passwordHash });
      await appendAudit(tx, {
        tenantId: tenant.id,
        actorId: actor?.id ?? null,
        actorLabel: actor?.email ?? 'cli',
        action: 'user.create',
        entityType: 'user',
        entityId: created.id,
        details: { role: created.role, department: input.departmentCode ?? null },
      });
      return created;
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'conflict') throw new AppError('validation', undefined, err.errors);
    throw err;
  }
}

/** The tenant's mail outbox, newest first. */
export function outboxForAdmin(db: Db, tenant: Tenant): Promise<OutboxEntry[]> {
  return listOutbox(db, tenant.id);
}

/** A same-site path to continue to after signing in; anything else becomes fallback. */
export function safeNext(next: unknown, fallback = '/start'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return fallback;
  // Backslashes and control characters can turn a path into another origin in some browsers.
  // Only printable ASCII: real next paths are percent-encoded, and a raw non-ASCII character
  // cannot go into a Location header.
  if ([...next].some((ch) => ch === '\\' || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) > 0x7e)) return fallback;
  return next;
}
