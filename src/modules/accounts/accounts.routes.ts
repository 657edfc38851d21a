/**
 * Routes of the accounts module: sign-up, e-mail confirmation, sign-in with two-factor,
 * sign-out, the account page with API tokens, the token API, and the administrator's pages.
 * Each route validates, authorises, calls one service function and renders or redirects.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../../core/access.ts';
import { requireUser, SESSION_COOKIE, type AuthUser } from '../../core/auth.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle, readForm } from '../../core/forms.ts';
import type { Lang } from '../../core/i18n.ts';
import { cookieOptions } from '../../core/web.ts';
import type { AppDeps } from '../module.ts';
import { accountsText as text, type AccountsMessageKey } from './accounts.messages.ts';
import { canCreateApiToken, canEnrolOptionalTwoFactor, canManageUsers, canReadOutbox, canTurnOffTwoFactor, requiresTwoFactor } from './accounts.policy.ts';
import { turnOffTwoFactor } from './accounts.two-factor-off.ts';
import {
  ACCOUNT_LIMITS,
  ChangeEmailForm,
  ChangePasswordForm,
  IdParams,
  LoginForm,
  NextQuery,
  parseForm,
  ResendForm,
  SignupForm,
  TokenCreateBody,
  TokenCreatedResponse,
  TokenListResponse,
  TwoFactorForm,
  TwoFactorOffForm,
  TwoFactorSetupForm,
  VerifyEmailQuery,
} from './accounts.schema.ts';
import * as service from './accounts.service.ts';
import { setPasswordLinkIsLive, setPasswordWithLink } from './accounts.links.ts';
import { requestPasswordReset } from './accounts.recovery.ts';
import { agreementPage, AGREEMENTS } from './accounts.agreements.ts';
import { changePassword, confirmEmailChange, otherSessionCount, requestEmailChange, signOutOtherSessions } from './accounts.self-service.ts';
import { SESSION_IDLE_SETTING, SESSION_TTL_MS } from './accounts.sessions.ts';
import { adminUserRoutes } from './accounts.admin.routes.ts';
import { formatter, idOf, roleLabel } from './accounts.page-helpers.ts';

const PAGE = { schema: { hide: true }, config: { access: access.public } };
const SIGNED_IN_PAGE = { schema: { hide: true }, config: { access: access.user } };
const ADMIN_PAGE = { schema: { hide: true }, config: { access: access.admins } };
const VIEWS = 'accounts/views';

/** The browser's device cookie: marks a browser an account signed in from (see SIGN_IN_LIMITS). */
export const DEVICE_COOKIE = 'hibiki_device';
const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

/** Who is signing in: the address (behind HIBIKI_TRUST_PROXY) and a well-formed device cookie. */
function clientOf(request: FastifyRequest): service.SignInClient {
  const device = request.cookies[DEVICE_COOKIE];
  return { address: request.ip, deviceToken: device && /^[A-Za-z0-9_-]{20,100}$/.test(device) ? device : null };
}

export function accountsRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db, config, mail } = deps;
  service.warmDummyHash();
  const setSession = (reply: FastifyReply, token: string, deviceToken: string | null = null) => {
    reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(config), maxAge: SESSION_TTL_MS / 1000 });
    if (deviceToken) reply.setCookie(DEVICE_COOKIE, deviceToken, { ...cookieOptions(config), maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS });
    return reply;
  };

  // ---- Sign-up and e-mail confirmation -------------------------------------------------------

  const signupPage = (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors: FieldError[]) =>
    reply.code(errors.length ? 400 : 200).page(`${VIEWS}/signup.njk`, {
      title: text('accounts.signup.title', request.lang),
      values: { ...pick(values, ['email', 'displayName']), agree: values.agree === 'yes' },
      errors,
      limits: ACCOUNT_LIMITS,
      termsVersion: AGREEMENTS.terms.version,
    });

  app.get('/signup', PAGE, async (request, reply) => signupPage(request, reply, {}, []));

  for (const [url, document] of [['/terms', 'terms'], ['/terms/privacy', 'privacy']] as const) {
    app.get(url, PAGE, async (request, reply) => {
      const city = request.lang === 'ja' ? request.tenant.nameJa : request.tenant.nameEn;
      const page = agreementPage(document, request.lang, city);
      return reply.page(`${VIEWS}/agreement.njk`, { title: page.title, page });
    });
  }

  app.post('/signup', PAGE, async (request, reply) => {
    const form = parseForm(SignupForm, request.body, request.lang);
    if (!form.ok) return signupPage(request, reply, bodyOf(request), form.errors);
    try {
      await service.signUp(db, deps, request.tenant, { ...form.value, clientAddress: request.ip }, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return signupPage(request, reply, bodyOf(request), err.errors);
      throw err;
    }
    mail.poke();
    return reply.redirect('/signup/sent', 303);
  });

  app.get('/signup/sent', PAGE, async (request, reply) =>
    reply.page(`${VIEWS}/signup-sent.njk`, { title: text('accounts.signup.sentTitle', request.lang), errors: [] }),
  );

  app.post('/signup/resend', PAGE, async (request, reply) => {
    const form = parseForm(ResendForm, request.body, request.lang);
    if (form.ok) {
      await service.resendVerification(db, deps, request.tenant, { email: form.value.email, clientAddress: request.ip });
      mail.poke();
    }
    // The same answer whether or not the address is registered.
    return reply.redirect('/signup/sent', 303);
  });

  app.get('/verify-email', PAGE, async (request, reply) => {
    const query = VerifyEmailQuery.safeParse(request.query);
    const ok = await service.verifyEmail(db, request.tenant, query.success ? query.data.token : undefined);
    return reply.code(ok ? 200 : 400).page(`${VIEWS}/message.njk`, {
      title: text(ok ? 'accounts.verify.doneTitle' : 'accounts.verify.invalidTitle', request.lang),
      body: text(ok ? 'accounts.verify.doneBody' : 'accounts.verify.invalidBody', request.lang),
      link: { href: '/login', label: text('accounts.login.title', request.lang) },
    });
  });

  // ---- Setting a password by a single-use link (first administrator, invitations, resets) ----

  const invalidLink = (request: FastifyRequest, reply: FastifyReply) =>
    reply.code(400).header('cache-control', 'no-store').page(`${VIEWS}/message.njk`, {
      title: text('accounts.verify.invalidTitle', request.lang),
      body: text('accounts.setPassword.invalidBody', request.lang),
      link: { href: '/login/forgot', label: text('accounts.forgot.title', request.lang) },
    });
  const setPasswordPage = (request: FastifyRequest, reply: FastifyReply, token: string, errors: FieldError[]) => {
    const heading = text('accounts.setPassword.title', request.lang);
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/set-password.njk`, { title: formTitle(heading, errors, request.lang), heading, token, errors });
  };

  app.get('/account/set-password', PAGE, async (request, reply) => {
    const query = VerifyEmailQuery.safeParse(request.query);
    const token = query.success ? query.data.token : undefined;
    if (!token || !(await setPasswordLinkIsLive(db, deps.clock, request.tenant, token))) return invalidLink(request, reply);
    return setPasswordPage(request, reply, token, []);
  });

  app.post('/account/set-password', PAGE, async (request, reply) => {
    const body = bodyOf(request);
    const token = typeof body.token === 'string' ? body.token.slice(0, 200) : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const confirm = typeof body.passwordConfirm === 'string' ? body.passwordConfirm : '';
    if (!token) return invalidLink(request, reply);
    let done: Awaited<ReturnType<typeof setPasswordWithLink>>;
    try {
      done = await setPasswordWithLink(db, deps.clock, request.tenant, token, password, confirm, request.lang);
      if (!done) return invalidLink(request, reply);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return setPasswordPage(request, reply, token, err.errors);
      throw err;
    }
    return reply.header('cache-control', 'no-store').page(`${VIEWS}/message.njk`, {
      title: text('accounts.setPassword.doneTitle', request.lang),
      body: text(done === 'reset_password' ? 'accounts.forgot.resetDoneBody' : 'accounts.setPassword.doneBody', request.lang),
      link: { href: '/login', label: text('accounts.login.title', request.lang) },
    });
  });

  // ---- A forgotten password: the same answer for every address (accounts.recovery.ts) --------

  const forgotPage = (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[]) => {
    const heading = text('accounts.forgot.title', request.lang);
    return reply
      .code(errors.length ? 400 : 200)
      .page(`${VIEWS}/forgot.njk`, { title: formTitle(heading, errors, request.lang), heading, values, errors });
  };

  app.get('/login/forgot', PAGE, async (request, reply) => forgotPage(request, reply, { email: '' }, []));

  app.post('/login/forgot', PAGE, async (request, reply) => {
    const form = readForm(ResendForm, request.body, ['email'], request.lang);
    if (!form.ok) return forgotPage(request, reply, form.values, form.errors);
    await requestPasswordReset(db, deps, request.tenant, { email: form.value.email, clientAddress: request.ip });
    return reply.redirect('/login/forgot/sent', 303);
  });

  app.get('/login/forgot/sent', PAGE, async (request, reply) =>
    reply.page(`${VIEWS}/message.njk`, {
      title: text('accounts.forgot.sentTitle', request.lang),
      body: text('accounts.forgot.sentBody', request.lang),
      link: { href: '/login', label: text('accounts.login.title', request.lang) },
    }),
  );

  // ---- Sign-in, two-factor, sign-out ---------------------------------------------------------

  const loginPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    data: { email?: unknown; next: string; errors: FieldError[]; resendEmail?: string },
  ) =>
    reply.code(status).page(`${VIEWS}/login.njk`, {
      title: text('accounts.login.title', request.lang),
      values: { email: typeof data.email === 'string' ? data.email : '' },
      next: data.next,
      errors: data.errors,
      resendEmail: data.resendEmail,
    });

  app.get('/login', PAGE, async (request, reply) =>
    loginPage(request, reply, 200, { next: nextOf(request.query), errors: [] }),
  );

  app.post('/login', PAGE, async (request, reply) => {
    const body = bodyOf(request);
    const next = service.safeNext(body.next);
    const form = parseForm(LoginForm, body, request.lang);
    if (!form.ok) return loginPage(request, reply, 400, { email: body.email, next, errors: form.errors });
    const result = await service.signIn(db, deps, request.tenant, {
      email: form.value.email,
      password: form.value.password,
      client: clientOf(request),
      previousSessionHash: request.auth.sessionHash,
    });
    const fail = (status: number, key: AccountsMessageKey, resendEmail?: string) =>
      loginPage(request, reply, status, {
        email: form.value.email,
        next,
        errors: [{ path: 'email', message: text(key, request.lang) }],
        ...(resendEmail ? { resendEmail } : {}),
      });
    switch (result.kind) {
      case 'rate_limited':
        return fail(429, 'accounts.login.rateLimited');
      case 'invalid':
        return fail(401, 'accounts.login.invalid');
      case 'locked':
        return fail(401, 'accounts.login.locked');
      case 'unverified':
        return fail(401, 'accounts.login.unverified', result.email);
      case 'check_mail':
        mail.poke();
        return reply.code(202).page(`${VIEWS}/message.njk`, {
          title: text('accounts.login.checkMailTitle', request.lang),
          body: text('accounts.login.checkMailBody', request.lang),
        });
      case 'signed_in':
        return signedIn(reply, result, next);
    }
  });

  /** Sets the session (and a new device cookie) and goes on: to next, or to the second factor first. */
  const signedIn = (reply: FastifyReply, result: Extract<service.SignInResult, { kind: 'signed_in' }>, next: string) => {
    setSession(reply, result.sessionToken, result.deviceToken);
    const target =
      result.secondFactor === 'passed'
        ? next
        : `${result.secondFactor === 'verify' ? '/login/two-factor' : '/account/two-factor/setup'}?next=${encodeURIComponent(next)}`;
    return reply.redirect(target, 303);
  };

  // A sign-in link mailed when the address was over its limit: GET shows a button (mail
  // scanners that open links spend nothing), POST signs in.
  const linkInvalid = (request: FastifyRequest, reply: FastifyReply) =>
    reply.code(400).header('cache-control', 'no-store').page(`${VIEWS}/message.njk`, {
      title: text('accounts.verify.invalidTitle', request.lang),
      body: text('accounts.loginLink.invalidBody', request.lang),
      link: { href: '/login', label: text('accounts.login.title', request.lang) },
    });

  app.get('/login/link', PAGE, async (request, reply) => {
    const query = VerifyEmailQuery.safeParse(request.query);
    const token = query.success ? query.data.token : undefined;
    if (!token || !(await service.signInLinkIsLive(db, request.tenant, token))) return linkInvalid(request, reply);
    return reply
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/login-link.njk`, { title: text('accounts.loginLink.title', request.lang), token });
  });

  app.post('/login/link', PAGE, async (request, reply) => {
    const body = bodyOf(request);
    const token = typeof body.token === 'string' ? body.token.slice(0, 200) : '';
    if (!token) return linkInvalid(request, reply);
    const result = await service.signInWithLink(db, request.tenant, {
      token,
      client: clientOf(request),
      previousSessionHash: request.auth.sessionHash,
    });
    return result.kind === 'signed_in' ? signedIn(reply, result, '/start') : linkInvalid(request, reply);
  });

  const twoFactorPage = (request: FastifyRequest, reply: FastifyReply, status: number, next: string, errors: FieldError[]) =>
    reply.code(status).page(`${VIEWS}/two-factor.njk`, { title: text('accounts.twoFactor.title', request.lang), next, errors });

  app.get('/login/two-factor', PAGE, async (request, reply) => {
    const next = nextOf(request.query);
    const session = sessionOf(request);
    if (!session) return reply.redirect('/login', 303);
    if (request.auth.mfaPassed) return reply.redirect(next, 303);
    if (!session.user.totpEnabled) return reply.redirect(`/account/two-factor/setup?next=${encodeURIComponent(next)}`, 303);
    return twoFactorPage(request, reply, 200, next, []);
  });

  app.post('/login/two-factor', PAGE, async (request, reply) => {
    const body = bodyOf(request);
    const next = service.safeNext(body.next);
    const session = sessionOf(request);
    if (!session) return reply.redirect('/login', 303);
    if (request.auth.mfaPassed) return reply.redirect(next, 303);
    const form = parseForm(TwoFactorForm, body, request.lang);
    if (!form.ok) return twoFactorPage(request, reply, 400, next, form.errors);
    const result = await service.verifySecondFactor(db, deps, request.tenant, {
      user: session.user,
      sessionHash: session.sessionHash,
      code: form.value.code,
      client: clientOf(request),
    });
    const fail = (status: number, key: AccountsMessageKey) =>
      twoFactorPage(request, reply, status, next, [{ path: 'code', message: text(key, request.lang) }]);
    switch (result.kind) {
      case 'ok':
        setSession(reply, result.sessionToken, result.deviceToken);
        return reply.redirect(next, 303);
      case 'not_enrolled':
        return reply.redirect(`/account/two-factor/setup?next=${encodeURIComponent(next)}`, 303);
      case 'rate_limited':
        return fail(429, 'accounts.login.rateLimited');
      case 'locked':
        return fail(401, 'accounts.login.locked');
      case 'invalid':
        return fail(401, 'accounts.error.codeWrong');
    }
  });

  const setupPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    data: { setup: service.TotpSetup; next: string; errors: FieldError[] },
  ) =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/two-factor-setup.njk`, {
        title: formTitle(text('accounts.twoFactor.setupTitle', request.lang), data.errors, request.lang),
        optional: request.auth.user ? !requiresTwoFactor(request.auth.user.role) : false,
        ...data,
      });

  /**
   * Who may enrol here: a staff-role session (pending or not) that has not enrolled, or a
   * citizen signed in in full (two-factor by choice) who has not turned it on.
   */
  const mayEnrol = (request: FastifyRequest, user: AuthUser) =>
    requiresTwoFactor(user.role) || (request.auth.mfaPassed && canEnrolOptionalTwoFactor(user));

  app.get('/account/two-factor/setup', PAGE, async (request, reply) => {
    const next = nextOf(request.query);
    const session = sessionOf(request);
    if (!session) return reply.redirect(`/login?next=${encodeURIComponent('/account/two-factor/setup')}`, 303);
    if (session.user.totpEnabled) {
      return reply.redirect(request.auth.mfaPassed ? '/account' : `/login/two-factor?next=${encodeURIComponent(next)}`, 303);
    }
    // Staff roles must enrol; a citizen may, from a full session (never a pending one).
    if (!mayEnrol(request, session.user)) return reply.redirect('/account', 303);
    const setup = await service.beginTotpSetup(deps, request.tenant, session.user, session.sessionHash);
    return setupPage(request, reply, 200, { setup, next, errors: [] });
  });

  app.post('/account/two-factor/setup', PAGE, async (request, reply) => {
    const body = bodyOf(request);
    const next = service.safeNext(body.next);
    const session = sessionOf(request);
    if (!session) return reply.redirect('/login', 303);
    if (!mayEnrol(request, session.user)) throw new AppError('forbidden');
    const form = parseForm(TwoFactorSetupForm, body, request.lang);
    const expired = async () =>
      setupPage(request, reply, 400, {
        setup: await service.beginTotpSetup(deps, request.tenant, session.user, session.sessionHash),
        next,
        errors: [{ path: 'code', message: text('accounts.error.setupExpired', request.lang) }],
      });
    if (!form.ok) {
      const setup = await service.resumeTotpSetup(
        deps,
        request.tenant,
        session.user,
        session.sessionHash,
        String(body.secret ?? ''),
        String(body.signature ?? ''),
      );
      return setup ? setupPage(request, reply, 400, { setup, next, errors: form.errors }) : expired();
    }
    const result = await service.confirmTotpSetup(db, deps, request.tenant, {
      user: session.user,
      sessionHash: session.sessionHash,
      secret: form.value.secret,
      signature: form.value.signature,
      code: form.value.code,
      client: clientOf(request),
    });
    switch (result.kind) {
      case 'expired':
        return expired();
      case 'wrong_code':
        return setupPage(request, reply, 400, {
          setup: result.setup,
          next,
          errors: [{ path: 'code', message: text('accounts.error.codeWrong', request.lang) }],
        });
      case 'already_enrolled':
        return reply.redirect(`/login/two-factor?next=${encodeURIComponent(next)}`, 303);
      case 'ok':
        // Shown once, in the answer to the POST: the codes are stored only as hashes.
        setSession(reply, result.sessionToken, result.deviceToken);
        return reply
          .header('cache-control', 'no-store')
          .page(`${VIEWS}/recovery-codes.njk`, {
            title: text('accounts.twoFactor.recoveryTitle', request.lang),
            codes: result.recoveryCodes,
            next,
          });
    }
  });

  const twoFactorOffPage = (request: FastifyRequest, reply: FastifyReply, errors: FieldError[]) => {
    const heading = text('accounts.twoFactor.turnOff', request.lang);
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/two-factor-off.njk`, {
        title: formTitle(heading, errors, request.lang),
        heading,
        errors,
        breadcrumbs: selfCrumbs(request.lang, heading),
      });
  };

  app.get('/account/two-factor/disable', SIGNED_IN_PAGE, async (request, reply) => {
    const { user } = browserUser(request);
    if (!canTurnOffTwoFactor(user)) return reply.redirect('/account', 303);
    return twoFactorOffPage(request, reply, []);
  });

  app.post('/account/two-factor/disable', SIGNED_IN_PAGE, async (request, reply) => {
    const { user } = browserUser(request);
    authorize(canTurnOffTwoFactor(user));
    const form = readForm(TwoFactorOffForm, request.body, ['code', 'currentPassword'], request.lang);
    if (!form.ok) return twoFactorOffPage(request, reply, form.errors);
    try {
      await turnOffTwoFactor(db, deps, request.tenant, { user, form: form.value }, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return twoFactorOffPage(request, reply, err.errors);
      throw err;
    }
    mail.poke();
    return reply.redirect('/account?done=twoFactorOff', 303);
  });

  app.post('/logout', PAGE, async (request, reply) => {
    await service.signOut(db, request.tenant, request.auth.user ?? request.auth.pendingUser ?? null, request.auth.sessionHash);
    reply.clearCookie(SESSION_COOKIE, cookieOptions(config));
    return reply.redirect('/', 303);
  });

  // ---- The account page and API tokens ---------------------------------------------------------

  const accountPage = async (request: FastifyRequest, reply: FastifyReply, user: AuthUser, status: number, errors: FieldError[]) => {
    const lang = request.lang;
    const { profile, tokens } = await service.accountOverview(db, request.tenant, user);
    const sessionHash = request.auth.via === 'session' ? request.auth.sessionHash : null;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const ended = Number.parseInt(String(query.n ?? ''), 10);
    const notices: Record<string, string> = {
      password: text('accounts.self.passwordChanged', lang),
      email: text('accounts.self.emailSent', lang),
      ended: text('accounts.self.endedOthers', lang, { n: Number.isSafeInteger(ended) && ended >= 0 ? ended : 0 }),
      twoFactorOn: text('accounts.self.twoFactorOn', lang),
      twoFactorOff: text('accounts.self.twoFactorOff', lang),
    };
    return reply.code(status).header('cache-control', 'no-store').page(`${VIEWS}/account.njk`, {
      title: text('accounts.account.title', request.lang),
      notice: typeof query.done === 'string' ? (notices[query.done] ?? '') : '',
      otherSessions: sessionHash ? await otherSessionCount(db, request.tenant, user, sessionHash) : null,
      idleMinutes: await deps.settings.get<number>(db, request.tenant.id, SESSION_IDLE_SETTING.key),
      profile,
      roleLabel: roleLabel(profile.role, request.lang),
      tokens,
      isAdmin: canManageUsers(user),
      twoFactor: requiresTwoFactor(user.role) ? 'mandatory' : canTurnOffTwoFactor(user) ? 'off' : 'enrol',
      errors,
      values: { name: errors.length ? String(bodyOf(request).name ?? '') : '' },
      fmt: formatter(request.lang),
    });
  };

  app.get('/account', SIGNED_IN_PAGE, async (request, reply) => accountPage(request, reply, requireUser(request.auth), 200, []));

  // ---- Changing one's own password and address, and one's sessions (accounts.self-service.ts) --

  /** The signed-in user of a browser session: these changes are made in a browser, never with an API token. */
  const browserUser = (request: FastifyRequest) => {
    const user = requireUser(request.auth);
    if (request.auth.via !== 'session' || !request.auth.sessionHash) throw new AppError('forbidden');
    return { user, sessionHash: request.auth.sessionHash };
  };
  const selfCrumbs = (lang: Lang, here: string) => [{ href: '/account', label: text('accounts.account.title', lang) }, { label: here }];

  const changePasswordPage = (request: FastifyRequest, reply: FastifyReply, errors: FieldError[]) => {
    const heading = text('accounts.self.changePassword', request.lang);
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/change-password.njk`, {
        title: formTitle(heading, errors, request.lang),
        heading,
        errors,
        breadcrumbs: selfCrumbs(request.lang, heading),
      });
  };

  app.get('/account/password', SIGNED_IN_PAGE, async (request, reply) => {
    browserUser(request);
    return changePasswordPage(request, reply, []);
  });

  app.post('/account/password', SIGNED_IN_PAGE, async (request, reply) => {
    const { user, sessionHash } = browserUser(request);
    const form = readForm(ChangePasswordForm, request.body, ['currentPassword', 'newPassword', 'newPasswordConfirm'], request.lang);
    if (!form.ok) return changePasswordPage(request, reply, form.errors);
    try {
      await changePassword(db, deps, request.tenant, { user, sessionHash, form: form.value }, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return changePasswordPage(request, reply, err.errors);
      throw err;
    }
    mail.poke();
    return reply.redirect('/account?done=password', 303);
  });

  const changeEmailPage = (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[]) => {
    const heading = text('accounts.self.changeEmail', request.lang);
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/change-email.njk`, {
        title: formTitle(heading, errors, request.lang),
        heading,
        values,
        currentEmail: request.auth.user?.email ?? '',
        errors,
        breadcrumbs: selfCrumbs(request.lang, heading),
      });
  };

  app.get('/account/email', SIGNED_IN_PAGE, async (request, reply) => {
    browserUser(request);
    return changeEmailPage(request, reply, { newEmail: '' }, []);
  });

  app.post('/account/email', SIGNED_IN_PAGE, async (request, reply) => {
    const { user } = browserUser(request);
    const form = readForm(ChangeEmailForm, request.body, ['newEmail', 'currentPassword'], request.lang);
    if (!form.ok) return changeEmailPage(request, reply, { newEmail: form.values.newEmail }, form.errors);
    try {
      await requestEmailChange(db, deps, request.tenant, { user, form: form.value }, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return changeEmailPage(request, reply, { newEmail: form.values.newEmail }, err.errors);
      throw err;
    }
    mail.poke();
    return reply.redirect('/account?done=email', 303);
  });

  app.get('/account/email/confirm', PAGE, async (request, reply) => {
    const query = VerifyEmailQuery.safeParse(request.query);
    const ok = await confirmEmailChange(db, deps.clock, request.tenant, query.success ? query.data.token : undefined);
    return reply
      .code(ok ? 200 : 400)
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/message.njk`, {
        title: text(ok ? 'accounts.self.emailChangedTitle' : 'accounts.verify.invalidTitle', request.lang),
        body: text(ok ? 'accounts.self.emailChangedBody' : 'accounts.self.emailLinkInvalid', request.lang),
        link: ok ? { href: '/account', label: text('accounts.account.title', request.lang) } : { href: '/login', label: text('accounts.login.title', request.lang) },
      });
  });

  app.post('/account/sessions/end-others', SIGNED_IN_PAGE, async (request, reply) => {
    const { user, sessionHash } = browserUser(request);
    const ended = await signOutOtherSessions(db, request.tenant, user, sessionHash);
    return reply.redirect(`/account?done=ended&n=${ended}`, 303);
  });

  app.post('/account/tokens', SIGNED_IN_PAGE, async (request, reply) => {
    const user = requireUser(request.auth);
    authorize(canCreateApiToken(user, request.auth.via));
    const form = parseForm(TokenCreateBody, request.body, request.lang);
    if (!form.ok) return accountPage(request, reply, user, 400, form.errors);
    const created = await service.createToken(db, request.tenant, user, form.value.name);
    return reply
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/token-created.njk`, { title: text('accounts.tokens.createdTitle', request.lang), created });
  });

  app.post('/account/tokens/:id/revoke', SIGNED_IN_PAGE, async (request, reply) => {
    const user = requireUser(request.auth);
    await service.revokeToken(db, request.tenant, user, idOf(request.params));
    return reply.redirect('/account', 303);
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];

  api.get(
    '/api/v1/tokens',
    {
      config: { access: access.user },
      schema: {
        summary: 'APIトークンの一覧 / List your API tokens',
        tags: ['accounts'],
        security,
        response: { 200: TokenListResponse },
      },
    },
    async (request) => {
      const tokens = await service.listTokens(db, request.tenant, requireUser(request.auth));
      return { items: tokens.map(tokenJson) };
    },
  );

  api.post(
    '/api/v1/tokens',
    {
      config: { access: access.user },
      schema: {
        summary: 'APIトークンを発行する / Create an API token (the token is shown only in this answer)',
        tags: ['accounts'],
        security,
        body: TokenCreateBody,
        response: { 201: TokenCreatedResponse },
      },
    },
    async (request, reply) => {
      const user = requireUser(request.auth);
      authorize(canCreateApiToken(user, request.auth.via));
      const created = await service.createToken(db, request.tenant, user, request.body.name);
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  api.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: access.user },
      schema: {
        summary: 'APIトークンを失効させる / Revoke one of your API tokens',
        tags: ['accounts'],
        security,
        params: IdParams,
        response: { 204: z.null().describe('Revoked (revoking an already revoked token changes nothing)') },
      },
    },
    async (request, reply) => {
      await service.revokeToken(db, request.tenant, requireUser(request.auth), request.params.id);
      return reply.code(204).send(null);
    },
  );

  // ---- Administration ------------------------------------------------------------------------

  const adminCrumbs = (lang: Lang, here?: string) => [
    { href: '/account', label: text('accounts.account.title', lang) },
    ...(here ? [{ href: '/admin', label: text('accounts.admin.title', lang) }, { label: here }] : [{ label: text('accounts.admin.title', lang) }]),
  ];

  app.get('/admin', ADMIN_PAGE, async (request, reply) => {
    const user = requireUser(request.auth);
    authorize(canManageUsers(user));
    return reply.page(`${VIEWS}/admin-index.njk`, {
      title: text('accounts.admin.title', request.lang),
      breadcrumbs: adminCrumbs(request.lang),
    });
  });

  adminUserRoutes(app, deps, adminCrumbs);

  app.get('/admin/outbox', ADMIN_PAGE, async (request, reply) => {
    authorize(canReadOutbox(requireUser(request.auth)));
    return reply.page(`${VIEWS}/admin-outbox.njk`, {
      title: text('accounts.admin.outbox', request.lang),
      breadcrumbs: adminCrumbs(request.lang, text('accounts.admin.outbox', request.lang)),
      messages: await service.outboxForAdmin(db, request.tenant),
      fmt: formatter(request.lang),
    });
  });
}

/** 403 unless the policy allows it. */
function authorize(allowed: boolean): void {
  if (!allowed) throw new AppError('forbidden');
}

/** The session's user and its hash, whether or not two-factor is done yet. */
function sessionOf(request: FastifyRequest): { user: AuthUser; sessionHash: string } | null {
  const { via, sessionHash } = request.auth;
  const user = request.auth.user ?? request.auth.pendingUser ?? null;
  return user && via === 'session' && sessionHash ? { user, sessionHash } : null;
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

function nextOf(query: unknown): string {
  const parsed = NextQuery.safeParse(query ?? {});
  return service.safeNext(parsed.success ? parsed.data.next : undefined);
}

/** The submitted text fields worth showing again in a re-rendered form (never passwords). */
function pick(values: Record<string, unknown>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, typeof values[k] === 'string' ? values[k] : '']));
}

function tokenJson(t: service.TokenSummary) {
  return {
    id: t.id,
    name: t.name,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

