/**
 * Request schemas of the accounts module, shared by the HTML forms, the JSON API and the
 * service (which validates again for callers such as the command line). Field limits live in
 * ACCOUNT_LIMITS only.
 */
import { z } from 'zod';
import { ROLES } from '../../core/auth.ts';
import { bilingual } from '../../core/validation.ts';
import { translate } from '../../core/i18n.ts';
import type { AccountsMessageKey } from './accounts.messages.ts';

/** Every field limit of the module, in one place. */
export const ACCOUNT_LIMITS = {
  /** RFC 5321 path limit. */
  emailMax: 254,
  displayNameMax: 100,
  passwordMin: 12,
  /** Long enough for any passphrase; bounded so hashing cost stays bounded. */
  passwordMax: 256,
  tokenNameMax: 100,
  /** A TOTP code is 6 digits; a recovery code 10 letters with an optional hyphen and spaces. */
  codeMax: 32,
  totpDigits: 6,
  nextMax: 2000,
  departmentCodeMax: 40,
} as const;

/** A schema message in both languages; the error handler or toFieldErrors picks one. */
function m(key: AccountsMessageKey, params: Record<string, number> = {}): string {
  return bilingual(translate('ja', key, params), translate('en', key, params));
}

/** A text form field: missing counts as empty, surrounding space is dropped. */
const text = (requiredKey: AccountsMessageKey) => z.string({ error: m(requiredKey) }).trim().min(1, { error: m(requiredKey) });

/** メールアドレス — stored lower-cased. */
export const EmailField = text('accounts.error.emailRequired')
  .max(ACCOUNT_LIMITS.emailMax, { error: m('accounts.error.emailTooLong') })
  .toLowerCase()
  .pipe(z.email({ error: m('accounts.error.emailFormat') }));

/** 表示名 — how the person is shown on the site. */
export const DisplayNameField = text('accounts.error.displayNameRequired').max(ACCOUNT_LIMITS.displayNameMax, {
  error: m('accounts.error.displayNameTooLong', { max: ACCOUNT_LIMITS.displayNameMax }),
});

/** A new password: 12–256 characters (checked against the e-mail by the object schemas). */
export const NewPasswordField = z
  .string({ error: m('accounts.error.passwordRequired') })
  .min(1, { error: m('accounts.error.passwordRequired') })
  .min(ACCOUNT_LIMITS.passwordMin, { error: m('accounts.error.passwordTooShort', { min: ACCOUNT_LIMITS.passwordMin }) })
  .max(ACCOUNT_LIMITS.passwordMax, { error: m('accounts.error.passwordTooLong', { max: ACCOUNT_LIMITS.passwordMax }) });

/** Where to go after signing in; checked by safeNext() before use. */
const NextField = z.string().max(ACCOUNT_LIMITS.nextMax).optional().catch(undefined);

const passwordNotEmail = (v: { email?: unknown; password?: unknown }) =>
  typeof v.email !== 'string' || typeof v.password !== 'string' || v.password.trim().toLowerCase() !== v.email.trim().toLowerCase();

/** 新規登録 — the citizen sign-up form. */
export const SignupForm = z
  .object({
    email: EmailField,
    displayName: DisplayNameField,
    password: NewPasswordField,
    passwordConfirm: z.string({ error: m('accounts.error.passwordMismatch') }),
    /** 利用規約・プライバシーポリシーへの同意 — the checkbox sends "yes". */
    agree: z.literal('yes', { error: m('accounts.error.agreeRequired') }),
  })
  // `when` lets the cross-field checks report alongside the per-field ones (every error at once).
  .refine(passwordNotEmail, { path: ['password'], error: m('accounts.error.passwordIsEmail'), when: () => true })
  .refine((v) => typeof v.password !== 'string' || v.password === v.passwordConfirm, {
    path: ['passwordConfirm'],
    error: m('accounts.error.passwordMismatch'),
    when: () => true,
  });
export type SignupInput = z.infer<typeof SignupForm>;

/** A new account as the service and the administrator's form describe it. */
export const NewUserSchema = z
  .object({
    email: EmailField,
    displayName: DisplayNameField,
    password: NewPasswordField,
    role: z.enum(ROLES, { error: m('accounts.error.roleInvalid') }),
    /** 所属課 — department code; required for staff. */
    departmentCode: z
      .string()
      .trim()
      .max(ACCOUNT_LIMITS.departmentCodeMax, { error: m('accounts.error.departmentUnknown') })
      .optional()
      .transform((v) => (v ? v : undefined)),
  })
  .refine(passwordNotEmail, { path: ['password'], error: m('accounts.error.passwordIsEmail'), when: () => true })
  .refine((v) => v.role !== 'staff' || Boolean(v.departmentCode?.trim()), {
    path: ['departmentCode'],
    error: m('accounts.error.departmentRequired'),
    when: () => true,
  });

/** ログイン — e-mail and password, plus where to go next. Only presence is checked here. */
export const LoginForm = z.object({
  email: text('accounts.error.emailRequired').max(ACCOUNT_LIMITS.emailMax, { error: m('accounts.error.emailTooLong') }).toLowerCase(),
  password: z
    .string({ error: m('accounts.error.passwordRequired') })
    .min(1, { error: m('accounts.error.passwordRequired') })
    .max(ACCOUNT_LIMITS.passwordMax, { error: m('accounts.error.passwordTooLong', { max: ACCOUNT_LIMITS.passwordMax }) }),
  next: NextField,
});

/** The second step of sign-in: a TOTP code or a recovery code. */
export const TwoFactorForm = z.object({
  code: text('accounts.error.codeRequired').max(ACCOUNT_LIMITS.codeMax, { error: m('accounts.error.codeWrong') }),
  next: NextField,
});

/** Confirms TOTP enrolment: the code, and the pending secret with its signature. */
export const TwoFactorSetupForm = z.object({
  code: text('accounts.error.codeRequired')
    .transform((v) => v.replace(/\s/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, { error: m('accounts.error.codeFormat') })),
  secret: z.string().max(200).catch(''),
  signature: z.string().max(200).catch(''),
  next: NextField,
});

/** 二要素認証の解除 — a current code from the app and the password. */
export const TwoFactorOffForm = z.object({
  code: text('accounts.error.codeRequired')
    .transform((v) => v.replace(/\s/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, { error: m('accounts.error.codeFormat') })),
  currentPassword: z
    .string({ error: m('accounts.error.currentPasswordRequired') })
    .min(1, { error: m('accounts.error.currentPasswordRequired') })
    .max(ACCOUNT_LIMITS.passwordMax, { error: m('accounts.error.passwordTooLong', { max: ACCOUNT_LIMITS.passwordMax }) }),
});
export type TwoFactorOffInput = z.infer<typeof TwoFactorOffForm>;

/** A query carrying only `next`. */
export const NextQuery = z.object({ next: NextField });

/** Resending the verification mail. */
export const ResendForm = z.object({ email: EmailField });

/** The verification link's query. */
export const VerifyEmailQuery = z.object({ token: z.string().max(200).optional() });

/** A new API token. */
export const TokenCreateBody = z.object({
  /** What the token is for, shown in the token list. */
  name: text('accounts.error.tokenNameRequired').max(ACCOUNT_LIMITS.tokenNameMax, {
    error: m('accounts.error.tokenNameTooLong', { max: ACCOUNT_LIMITS.tokenNameMax }),
  }),
});

/** A path naming one row by its id. */
export const IdParams = z.object({ id: z.uuid() });

/** An API token as the API shows it (never the token itself). */
export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string().describe('ISO 8601'),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const TokenListResponse = z.object({ items: z.array(TokenView) });

/** The answer to creating a token: the only time the token is shown. */
export const TokenCreatedResponse = z.object({
  id: z.string(),
  name: z.string(),
  token: z.string().describe('Send as `Authorization: Bearer <token>`; shown only once'),
});

export { parseWith as parseForm, toFieldErrors } from '../../core/validation.ts';

/** パスワードの変更 — the current password, the new one twice. */
export const ChangePasswordForm = z
  .object({
    currentPassword: z
      .string({ error: m('accounts.error.currentPasswordRequired') })
      .min(1, { error: m('accounts.error.currentPasswordRequired') })
      .max(ACCOUNT_LIMITS.passwordMax, { error: m('accounts.error.passwordTooLong', { max: ACCOUNT_LIMITS.passwordMax }) }),
    newPassword: NewPasswordField,
    newPasswordConfirm: z.string({ error: m('accounts.error.passwordMismatch') }),
  })
  .refine((v) => typeof v.newPassword !== 'string' || v.newPassword === v.newPasswordConfirm, {
    path: ['newPasswordConfirm'],
    error: m('accounts.error.passwordMismatch'),
    when: () => true,
  })
  .refine((v) => typeof v.newPassword !== 'string' || v.newPassword !== v.currentPassword, {
    path: ['newPassword'],
    error: m('accounts.error.passwordUnchanged'),
    when: () => true,
  });
export type ChangePasswordInput = z.infer<typeof ChangePasswordForm>;

/** メールアドレスの変更 — the new address, confirmed by the current password. */
export const ChangeEmailForm = z.object({
  newEmail: EmailField,
  currentPassword: z
    .string({ error: m('accounts.error.currentPasswordRequired') })
    .min(1, { error: m('accounts.error.currentPasswordRequired') })
    .max(ACCOUNT_LIMITS.passwordMax, { error: m('accounts.error.passwordTooLong', { max: ACCOUNT_LIMITS.passwordMax }) }),
});
export type ChangeEmailInput = z.infer<typeof ChangeEmailForm>;

/** 所属課 — a department code as a form sends it ('' for none). */
const DepartmentCodeField = z
  .string()
  .trim()
  .max(ACCOUNT_LIMITS.departmentCodeMax, { error: m('accounts.error.departmentUnknown') })
  .optional()
  .transform((v) => (v ? v : undefined));

/** Staff belong to a department: checked even when other fields are wrong, so every error shows at once. */
const staffHasDepartment = (v: { role: string; departmentCode?: string | undefined }) => v.role !== 'staff' || Boolean(v.departmentCode);
const departmentRequired = { path: ['departmentCode'], error: m('accounts.error.departmentRequired'), when: () => true };

/** Roles an administrator invites (citizens sign up themselves). */
export const INVITED_ROLES = ['staff', 'plan_manager', 'admin'] as const;

/** 職員の招待 — who is invited, as what, in which department; never a password. */
export const InviteForm = z
  .object({
    email: EmailField,
    displayName: DisplayNameField,
    role: z.enum(INVITED_ROLES, { error: m('accounts.error.roleInvalid') }),
    departmentCode: DepartmentCodeField,
  })
  .refine(staffHasDepartment, departmentRequired);
export type InviteInput = z.infer<typeof InviteForm>;

/** An administrator's edit of an account: name, role and department. */
export const EditUserForm = z
  .object({
    displayName: DisplayNameField,
    role: z.enum(ROLES, { error: m('accounts.error.roleInvalid') }),
    departmentCode: DepartmentCodeField,
  })
  .refine(staffHasDepartment, departmentRequired);
export type EditUserInput = z.infer<typeof EditUserForm>;

/** The confirmation step's answer (the confirmation page sends it; a bare post does not). */
export const ConfirmForm = z.object({ confirm: z.literal('yes') });
