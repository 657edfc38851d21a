/**
 * Accounts: creating users, sign-up with e-mail confirmation, sign-in with database-backed
 * rate limits and lockout, TOTP two-factor (enrolment and verification, recovery codes),
 * API tokens, and the administrator's user management. Routes call these functions; SQL
 * stays in accounts.repository.ts.
 */
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser, Role } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import { decrypt, encrypt, hmac, randomToken, safeEqual, sha256 } from '../../core/crypto.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import { enqueueMail, listOutbox, type OutboxEntry } from '../../core/mail.ts';
import { findDepartment, listDepartments as listTenantDepartments, type Department, type Tenant } from '../../core/tenancy.ts';
import { accountsText } from './accounts.messages.ts';
import { canDisableUser, canRevokeApiToken, requiresTwoFactor } from './accounts.policy.ts';
import * as repo from './accounts.repository.ts';
import { createApiToken, createSession, destroySession, hashPassword, revokeApiToken, verifyPassword } from './accounts.sessions.ts';
import { NewUserSchema, toFieldErrors, type SignupInput } from './accounts.schema.ts';

/** Sign-in limits. Kept in the database, so every app server sees the same counts. */
export const SIGN_IN_LIMITS = {
  /** Failed attempts from one client (IP) allowed within the window before answering 429. */
  clientMaxFailures: 20,
  clientWindowSeconds: 15 * 60,
  /** Consecutive failures that lock an account, and for how long. */
  accountMaxFailures: 5,
  accountLockSeconds: 15 * 60,
} as const;

const EMAIL_TOKEN_TTL_SECONDS = 24 * 60 * 60;
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

function bilingualMail(key: 'accounts.mail.verifyBody', params: Record<string, string>): string {
  return `${accountsText(key, 'ja', params)}\n\n----\n\n${accountsText(key, 'en', params)}\n`;
}

/**
 * 新規登録 — creates a citizen with an unconfirmed address and queues the confirmation mail.
 * A taken address is answered like a new one, so the page does not reveal who is registered:
 * an unconfirmed account gets a new link (rate-limited), a confirmed one nothing (a mail per
 * attempt would let anyone flood its owner).
 */
export async function signUp(db: Db, config: Config, tenant: Tenant, input: SignupInput, lang: Lang): Promise<void> {
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

/** Sends a new confirmation link when the address belongs to an unconfirmed account; silent otherwise. */
export async function resendVerification(db: Db, config: Config, tenant: Tenant, email: string): Promise<void> {
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

/** What a sign-in attempt led to. */
export type SignInResult =
  | {
      kind: 'signed_in';
      sessionToken: string;
      /** passed: the session counts; verify: ask for a TOTP code; enrol: set up TOTP first. */
      secondFactor: 'passed' | 'verify' | 'enrol';
    }
  | { kind: 'invalid' }
  | { kind: 'locked' }
  | { kind: 'rate_limited' }
  | { kind: 'unverified'; email: string };

let dummyHash: Promise<string> | undefined;
/** A hash to verify against when the account does not exist, so timing does not tell. */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken());
  return dummyHash;
}

interface Attempt {
  tenant: Tenant;
  clientKey: string;
  email: string;
  /** The login_attempts row reserved for this attempt. */
  id: string;
}

/**
 * Starts an attempt: records it as a failure first, then counts the client's recent failures
 * including it, so concurrent requests cannot slip past the limit. null when rate limited.
 */
async function beginAttempt(db: Db, tenant: Tenant, clientKey: string, email: string): Promise<Attempt | null> {
  const id = await repo.reserveLoginAttempt(db, { tenantId: tenant.id, clientKey, email });
  const failures = await repo.countRecentClientFailures(db, tenant.id, clientKey, SIGN_IN_LIMITS.clientWindowSeconds);
  return failures > SIGN_IN_LIMITS.clientMaxFailures ? null : { tenant, clientKey, email, id };
}

/**
 * Reserves the attempt against the account (see reserveAccountAttempt): its number when it may
 * go on to be checked, null when the account is locked or other attempts used up its allowance.
 */
async function reserveAccount(db: Db, a: Attempt, user: repo.LoginUserRow): Promise<number | null> {
  const n = await repo.reserveAccountAttempt(db, a.tenant.id, user.id);
  return n !== null && n <= SIGN_IN_LIMITS.accountMaxFailures ? n : null;
}

/** Audits a failed attempt on a known account; the attempt that used the last try locks it. Returns true when locked. */
async function recordFailure(db: Db, a: Attempt, user: repo.LoginUserRow, reason: string, attemptNumber: number | null): Promise<boolean> {
  return db.transaction(async (tx) => {
    const lockedNow = attemptNumber !== null && attemptNumber >= SIGN_IN_LIMITS.accountMaxFailures;
    if (lockedNow) await repo.lockAccount(tx, a.tenant.id, user.id, SIGN_IN_LIMITS.accountLockSeconds);
    await appendAudit(tx, {
      tenantId: a.tenant.id,
      actorId: null,
      actorLabel: 'anonymous',
      action: 'user.sign_in_failed',
      entityType: 'user',
      entityId: user.id,
      details: { reason, ...(lockedNow ? { lockedNow: true } : {}) },
    });
    return attemptNumber === null || lockedNow;
  });
}

/** Completes a sign-in: clears the failure count, rotates the session and audits it. */
async function startSession(
  tx: Sql,
  a: Attempt,
  user: { id: string; email: string },
  previousSessionHash: string | null,
  secondFactorPassed: boolean,
  method: string | null,
): Promise<string> {
  if (previousSessionHash) await destroySession(tx, a.tenant.id, previousSessionHash);
  const token = await createSession(tx, a.tenant.id, user.id, secondFactorPassed);
  await repo.markLoginAttemptSucceeded(tx, a.tenant.id, a.id);
  if (secondFactorPassed) {
    await repo.resetFailedLogins(tx, a.tenant.id, user.id);
    await appendAudit(tx, {
      tenantId: a.tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'user.sign_in',
      entityType: 'user',
      entityId: user.id,
      details: { method },
    });
  }
  return token;
}

/**
 * ログイン — checks the password under the client rate limit and the account lockout. A
 * locked account is refused without looking at the password. For roles that need two-factor
 * the new session does not count until the second step (and the failure count is cleared only
 * then, so guessing codes cannot be reset by the password).
 */
export async function signIn(
  db: Db,
  tenant: Tenant,
  input: { email: string; password: string; clientKey: string; previousSessionHash: string | null },
): Promise<SignInResult> {
  const attempt = await beginAttempt(db, tenant, input.clientKey, input.email);
  if (!attempt) return { kind: 'rate_limited' };

  const user = await repo.findLoginUserByEmail(db, tenant.id, input.email);
  if (!user || user.disabled) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    return { kind: 'invalid' };
  }
  // The attempt is counted against the account before the password is looked at.
  const attemptNumber = await reserveAccount(db, attempt, user);
  if (attemptNumber === null) {
    await recordFailure(db, attempt, user, 'locked', null);
    return { kind: 'locked' };
  }
  if (!(await verifyPassword(user.password_hash, input.password))) {
    const locked = await recordFailure(db, attempt, user, 'wrong_password', attemptNumber);
    return { kind: locked ? 'locked' : 'invalid' };
  }
  if (!user.email_verified) {
    await repo.resetFailedLogins(db, tenant.id, user.id);
    return { kind: 'unverified', email: user.email };
  }
  const needsSecond = requiresTwoFactor(user.role);
  const sessionToken = await db.transaction((tx) =>
    startSession(tx, attempt, user, input.previousSessionHash, !needsSecond, needsSecond ? null : 'password'),
  );
  return { kind: 'signed_in', sessionToken, secondFactor: !needsSecond ? 'passed' : user.totp_enabled ? 'verify' : 'enrol' };
}

/** What the second step led to. */
export type SecondFactorResult =
  | { kind: 'ok'; sessionToken: string }
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

/** The time step a code belongs to (within the allowed window), or null when it matches none. */
function totpStep(secretBase32: string, code: string): number | null {
  const delta = totpFor(secretBase32).validate({ token: code, window: TOTP.window });
  return delta === null ? null : Math.floor(Date.now() / 1000 / TOTP.period) + delta;
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
 * (spent by this). Wrong codes count towards the same lockout and rate limit as passwords.
 * On success the session is replaced by a new one that counts.
 */
export async function verifySecondFactor(
  db: Db,
  config: Config,
  tenant: Tenant,
  input: { user: AuthUser; sessionHash: string; code: string; clientKey: string },
): Promise<SecondFactorResult> {
  const attempt = await beginAttempt(db, tenant, input.clientKey, input.user.email);
  if (!attempt) return { kind: 'rate_limited' };
  const user = await repo.findLoginUserById(db, tenant.id, input.user.id);
  if (!user || user.disabled) return { kind: 'invalid' };
  if (!user.totp_enabled || !user.totp_secret_enc) return { kind: 'not_enrolled' };
  const attemptNumber = await reserveAccount(db, attempt, user);
  if (attemptNumber === null) {
    await recordFailure(db, attempt, user, 'locked', null);
    return { kind: 'locked' };
  }
  const code = input.code.replace(/\s/g, '');
  const isTotp = /^\d{6}$/.test(code);
  const sessionToken = await db.transaction(async (tx) => {
    if (isTotp) {
      const step = totpStep(decrypt(config.encryptionKey, user.totp_secret_enc!), code);
      if (step === null || !(await repo.claimTotpStep(tx, tenant.id, user.id, step))) return null;
    } else if (!(await repo.consumeRecoveryCode(tx, tenant.id, user.id, recoveryCodeHash(user.id, code)))) {
      return null;
    }
    return startSession(tx, attempt, user, input.sessionHash, true, isTotp ? 'totp' : 'recovery_code');
  });
  if (sessionToken) return { kind: 'ok', sessionToken };
  const locked = await recordFailure(db, attempt, user, 'wrong_code', attemptNumber);
  return { kind: locked ? 'locked' : 'invalid' };
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
export async function beginTotpSetup(config: Config, tenant: Tenant, user: AuthUser, sessionHash: string): Promise<TotpSetup> {
  return describeSetup(config, tenant, user, sessionHash, new OTPAuth.Secret({ size: 20 }).base32, Date.now());
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
    qrDataUrl: await QRCode.toDataURL(uri, { margin: 2, width: 240 }),
    secretGroups: secret.match(/.{1,4}/g)!.join(' '),
  };
}

/** The set-up the form carried, when its signature is valid for this session and recent; null otherwise. */
export async function resumeTotpSetup(
  config: Config,
  tenant: Tenant,
  user: AuthUser,
  sessionHash: string,
  secret: string,
  signature: string,
): Promise<TotpSetup | null> {
  const [issuedText = '', mac = ''] = signature.split('.');
  const issuedAt = Number(issuedText);
  const valid =
    /^[A-Z2-7]{16,64}$/.test(secret) &&
    Number.isSafeInteger(issuedAt) &&
    Date.now() - issuedAt < TOTP_SETUP_TTL_MS &&
    safeEqual(mac, setupSignature(config, tenant, user.id, sessionHash, secret, issuedAt));
  return valid ? describeSetup(config, tenant, user, sessionHash, secret, issuedAt) : null;
}

/** The outcome of confirming enrolment. */
export type TotpSetupResult =
  | { kind: 'ok'; sessionToken: string; recoveryCodes: string[] }
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
  config: Config,
  tenant: Tenant,
  input: { user: AuthUser; sessionHash: string; secret: string; signature: string; code: string; clientKey: string },
): Promise<TotpSetupResult> {
  const { user, sessionHash, secret } = input;
  const setup = await resumeTotpSetup(config, tenant, user, sessionHash, secret, input.signature);
  if (!setup) return { kind: 'expired' };
  const step = totpStep(secret, input.code);
  if (step === null) return { kind: 'wrong_code', setup };
  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  // A sign-in completed by enrolment: recorded like any other (reserved, then marked a success).
  const attemptId = await repo.reserveLoginAttempt(db, { tenantId: tenant.id, clientKey: input.clientKey, email: user.email });
  const attempt: Attempt = { tenant, clientKey: input.clientKey, email: user.email, id: attemptId };
  const sessionToken = await db.transaction(async (tx) => {
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
    return startSession(tx, attempt, user, sessionHash, true, 'totp');
  });
  return sessionToken ? { kind: 'ok', sessionToken, recoveryCodes } : { kind: 'already_enrolled' };
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

/** An administrator disables an account: its sessions end and its tokens stop working. */
export async function adminDisableUser(db: Db, tenant: Tenant, actor: AuthUser, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const target = await repo.findUserById(tx, tenant.id, userId);
    if (!target) throw new AppError('not_found');
    if (!canDisableUser(actor, target)) throw new AppError('forbidden');
    await repo.disableUser(tx, tenant.id, userId);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor.id,
      actorLabel: actor.email,
      action: 'user.disable',
      entityType: 'user',
      entityId: userId,
    });
  });
}

/** The tenant's mail outbox, newest first. */
export function outboxForAdmin(db: Db, tenant: Tenant): Promise<OutboxEntry[]> {
  return listOutbox(db, tenant.id);
}

/** A same-site path to continue to after signing in; anything else becomes fallback. */
export function safeNext(next: unknown, fallback = '/account'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return fallback;
  // Backslashes and control characters can turn a path into another origin in some browsers.
  // Only printable ASCII: real next paths are percent-encoded, and a raw non-ASCII character
  // cannot go into a Location header.
  if ([...next].some((ch) => ch === '\\' || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) > 0x7e)) return fallback;
  return next;
}
