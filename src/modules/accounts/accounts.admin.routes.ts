/**
 * The administrator's pages for accounts: the user list, inviting staff, one user's page (edit
 * name, role and department; disable after a confirmation page, enable again; reset a lost
 * two-factor after a confirmation page; send an invitation again). Each route authorises, reads
 * its form through the form kit, calls one service function and renders or redirects.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access } from '../../core/access.ts';
import { requireUser, ROLES, type AuthUser } from '../../core/auth.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { formTitle, readForm } from '../../core/forms.ts';
import type { Lang } from '../../core/i18n.ts';
import type { AppDeps } from '../module.ts';
import * as admin from './accounts.admin-users.ts';
import { accountsText as text, type AccountsMessageKey } from './accounts.messages.ts';
import { formatter, idOf, roleLabel } from './accounts.page-helpers.ts';
import { canDisableUser, canEnableUser, canManageUsers, canResetTwoFactor } from './accounts.policy.ts';
import type { UserListRow } from './accounts.repository.ts';
import { ConfirmForm, EditUserForm, INVITED_ROLES, InviteForm } from './accounts.schema.ts';
import * as service from './accounts.service.ts';

const ADMIN_PAGE = { schema: { hide: true }, config: { access: access.admins } };
const VIEWS = 'accounts/views';

type Crumbs = (lang: Lang, here?: string) => { href?: string; label: string }[];

/** Notices after a redirect, by the `done` query value. */
const NOTICES: Record<string, AccountsMessageKey> = {
  invited: 'accounts.admin.invited',
  disabled: 'accounts.admin.disabled',
  enabled: 'accounts.admin.enabled',
  saved: 'accounts.admin.saved',
  reset: 'accounts.admin.twoFactorReset',
  resent: 'accounts.admin.invited',
};

export function adminUserRoutes(app: FastifyInstance, deps: AppDeps, adminCrumbs: Crumbs): void {
  const { db, mail } = deps;
  const administrator = (request: FastifyRequest): AuthUser => {
    const user = requireUser(request.auth);
    if (!canManageUsers(user)) throw new AppError('forbidden');
    return user;
  };
  const noticeOf = (request: FastifyRequest) => {
    const done = (request.query as Record<string, unknown> | undefined)?.done;
    return typeof done === 'string' && NOTICES[done] ? text(NOTICES[done], request.lang) : '';
  };
  const statusOf = (u: UserListRow, lang: Lang) =>
    text(
      u.disabled ? 'accounts.admin.statusDisabled' : !u.has_password ? 'accounts.admin.statusInvited' : !u.email_verified ? 'accounts.admin.statusUnverified' : 'accounts.admin.statusActive',
      lang,
    );
  const departments = async (request: FastifyRequest) => [
    { value: '', label: text('accounts.field.departmentNone', request.lang) },
    ...(await service.listDepartments(db, request.tenant)).map((d) => ({ value: d.code, label: request.lang === 'ja' ? d.nameJa : d.nameEn })),
  ];
  const userCrumbs = (lang: Lang, here: string, target?: { id: string; name: string }) => [
    ...adminCrumbs(lang).slice(0, 1),
    { href: '/admin', label: text('accounts.admin.title', lang) },
    { href: '/admin/users', label: text('accounts.admin.users', lang) },
    ...(target ? [{ href: `/admin/users/${target.id}`, label: target.name }] : []),
    { label: here },
  ];

  app.get('/admin/users', ADMIN_PAGE, async (request, reply) => {
    const user = administrator(request);
    const users = await service.listUsersForAdmin(db, request.tenant);
    return reply.header('cache-control', 'no-store').page(`${VIEWS}/admin-users.njk`, {
      title: text('accounts.admin.users', request.lang),
      breadcrumbs: adminCrumbs(request.lang, text('accounts.admin.users', request.lang)),
      users: users.map((u) => ({ ...u, roleLabel: roleLabel(u.role, request.lang), status: statusOf(u, request.lang), self: u.id === user.id })),
      notice: noticeOf(request),
    });
  });

  // ---- Invitations

  const invitePage = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[]) => {
    const heading = text('accounts.admin.invite', request.lang);
    return reply.code(errors.length ? 400 : 200).page(`${VIEWS}/admin-user-new.njk`, {
      title: formTitle(heading, errors, request.lang),
      heading,
      breadcrumbs: userCrumbs(request.lang, heading),
      values,
      roles: INVITED_ROLES.map((r) => ({ value: r, label: roleLabel(r, request.lang) })),
      departments: await departments(request),
      errors,
    });
  };
  const INVITE_FIELDS = ['email', 'displayName', 'role', 'departmentCode'] as const;

  app.get('/admin/users/new', ADMIN_PAGE, async (request, reply) => {
    administrator(request);
    return invitePage(request, reply, { email: '', displayName: '', role: 'staff', departmentCode: '' }, []);
  });

  app.post('/admin/users/new', ADMIN_PAGE, async (request, reply) => {
    const user = administrator(request);
    const form = readForm(InviteForm, request.body, INVITE_FIELDS, request.lang);
    if (!form.ok) return invitePage(request, reply, form.values, form.errors);
    try {
      await admin.inviteUser(db, deps, request.tenant, user, form.value, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return invitePage(request, reply, form.values, err.errors);
      throw err;
    }
    mail.poke();
    return reply.redirect('/admin/users?done=invited', 303);
  });

  // ---- One user

  const EDIT_FIELDS = ['displayName', 'role', 'departmentCode'] as const;
  const userPage = async (request: FastifyRequest, reply: FastifyReply, actor: AuthUser, target: UserListRow, values: Record<string, string> | null, errors: FieldError[]) => {
    const lang = request.lang;
    const heading = text('accounts.admin.userTitle', lang, { name: target.display_name });
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .page(`${VIEWS}/admin-user.njk`, {
        title: formTitle(heading, errors, lang),
        heading,
        breadcrumbs: userCrumbs(lang, target.display_name),
        target: { ...target, roleLabel: roleLabel(target.role, lang), status: statusOf(target, lang) },
        self: target.id === actor.id,
        values: values ?? { displayName: target.display_name, role: target.role, departmentCode: target.department_code ?? '' },
        roles: ROLES.map((r) => ({ value: r, label: roleLabel(r, lang) })),
        departments: await departments(request),
        can: {
          disable: canDisableUser(actor, target),
          enable: canEnableUser(actor, target),
          resetTwoFactor: canResetTwoFactor(actor, target),
          resendInvite: !target.has_password && !target.disabled,
        },
        notice: noticeOf(request),
        errors,
        fmt: formatter(lang),
      });
  };

  app.get('/admin/users/:id', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    return userPage(request, reply, actor, await admin.userForAdmin(db, request.tenant, idOf(request.params)), null, []);
  });

  app.post('/admin/users/:id', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    const target = await admin.userForAdmin(db, request.tenant, idOf(request.params));
    const form = readForm(EditUserForm, request.body, EDIT_FIELDS, request.lang);
    if (!form.ok) return userPage(request, reply, actor, target, form.values, form.errors);
    try {
      await admin.updateUser(db, request.tenant, actor, target.id, form.value, request.lang);
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return userPage(request, reply, actor, target, form.values, err.errors);
      throw err;
    }
    // An administrator who made themself something else has no administration pages any more.
    if (target.id === actor.id && form.value.role !== 'admin') return reply.redirect('/account', 303);
    return reply.redirect(`/admin/users/${target.id}?done=saved`, 303);
  });

  // ---- Actions with a confirmation step: GET shows the question, POST (with confirm=yes from that page) acts

  const confirmPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    target: UserListRow,
    what: { title: AccountsMessageKey; body: AccountsMessageKey; action: string },
  ) => {
    const heading = text(what.title, request.lang, { email: target.email });
    return reply.header('cache-control', 'no-store').page(`${VIEWS}/admin-user-confirm.njk`, {
      title: heading,
      heading,
      body: text(what.body, request.lang),
      action: what.action,
      back: `/admin/users/${target.id}`,
      breadcrumbs: userCrumbs(request.lang, heading, { id: target.id, name: target.display_name }),
    });
  };

  const confirmed = (request: FastifyRequest) => ConfirmForm.safeParse(request.body ?? {}).success;

  app.get('/admin/users/:id/disable', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    const target = await admin.userForAdmin(db, request.tenant, idOf(request.params));
    if (!canDisableUser(actor, target)) throw new AppError('forbidden');
    return confirmPage(request, reply, target, {
      title: 'accounts.admin.confirmDisableTitle',
      body: 'accounts.admin.confirmDisableBody',
      action: `/admin/users/${target.id}/disable`,
    });
  });

  app.post('/admin/users/:id/disable', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    const id = idOf(request.params);
    // Without the confirmation page's answer, ask first.
    if (!confirmed(request)) return reply.redirect(`/admin/users/${id}/disable`, 303);
    await admin.disableUser(db, request.tenant, actor, id);
    return reply.redirect(`/admin/users/${id}?done=disabled`, 303);
  });

  app.post('/admin/users/:id/enable', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    const id = idOf(request.params);
    await admin.enableUser(db, request.tenant, actor, id);
    return reply.redirect(`/admin/users/${id}?done=enabled`, 303);
  });

  app.get('/admin/users/:id/two-factor/reset', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    const target = await admin.userForAdmin(db, request.tenant, idOf(request.params));
    if (!canResetTwoFactor(actor, target)) throw new AppError('forbidden');
    return confirmPage(request, reply, target, {
      title: 'accounts.admin.confirmResetTitle',
      body: 'accounts.admin.confirmResetBody',
      action: `/admin/users/${target.id}/two-factor/reset`,
    });
  });

  app.post('/admin/users/:id/two-factor/reset', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    const id = idOf(request.params);
    if (!confirmed(request)) return reply.redirect(`/admin/users/${id}/two-factor/reset`, 303);
    await admin.resetTwoFactor(db, request.tenant, actor, id);
    return reply.redirect(`/admin/users/${id}?done=reset`, 303);
  });

  app.post('/admin/users/:id/invitation', ADMIN_PAGE, async (request, reply) => {
    const actor = administrator(request);
    const id = idOf(request.params);
    await admin.resendInvitation(db, deps, request.tenant, actor, id);
    mail.poke();
    return reply.redirect(`/admin/users/${id}?done=resent`, 303);
  });
}
