// The members API (issue 19): the owner and admins list, add, import, change,
// freeze and remove the account's members and read its audit log; an invitee
// sets their password with the one-time link of their mail. Every change is
// audited with who, what, when and from where.
import { z } from 'zod';
import type { ApiRouter, RouteContext } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import type { Actor } from './service.ts';
import { auditJson, memberJson } from './views.ts';

const TAG = 'members';
const role = z.enum(['admin', 'organizer']);
const memberBody = z.object({
  name: z.string().trim().min(1).max(100),
  email: z.email().max(64),
  username: z.string().trim().regex(/^[A-Za-z0-9._@-]{3,64}$/).optional(),
  phone: z.string().trim().max(64).optional(),
  department: z.string().trim().max(100).optional(),
  role,
}).strict();
const csvBody = z.object({ csv: z.string().min(1).max(2 * 1024 * 1024), role: role.default('organizer') }).strict();

function actor(c: RouteContext<unknown, unknown, unknown>): Actor {
  return { user: c.auth!.user, account: c.account };
}

/** Where the set-password link points: the configured public address, else the one the request came to. */
function baseUrl(s: WebServices, c: RouteContext<unknown, unknown, unknown>): string {
  return s.config.publicUrl ?? `${c.req.protocol}://${c.req.get('host') ?? '127.0.0.1'}`;
}

export function registerMemberRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/members', tag: TAG, access: 'admin', summary: 'The account\'s members (owner, admins, organizers), with role, department, phone, frozen and invited state',
    handler: async (c) => (await s.members.list(c.accountId)).map(memberJson),
  });
  api.add({
    method: 'post', path: '/api/members', tag: TAG, access: 'admin', status: 201,
    summary: 'Add a member (admin: the owner only); mails a one-time set-password link valid 7 days. 409 when the username, e-mail or phone is taken',
    body: memberBody,
    handler: async (c) => {
      const user = await s.members.add(actor(c), c.body, baseUrl(s, c), c.locale);
      await c.audit('member.add', { target: { type: 'user', id: user.id }, data: { username: user.username, role: user.role } });
      return memberJson(user);
    },
  });
  registerDirectoryRoutes(api, s);
  registerChangeRoutes(api, s);
}

/** A directory CSV: preview, import. */
function registerDirectoryRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'post', path: '/api/members/import/preview', tag: TAG, access: 'admin',
    summary: 'Read a directory CSV (name, email, phone, department; English or Chinese headers): the rows an import would add, errors and duplicates row by row',
    body: csvBody,
    handler: async (c) => s.members.preview(c.accountId, c.body.csv),
  });
  api.add({
    method: 'post', path: '/api/members/import', tag: TAG, access: 'admin',
    summary: 'Import a directory CSV: every new row becomes an invited member with the role given (mailed their link); duplicates and errors are reported, not imported',
    body: csvBody,
    handler: async (c) => {
      const r = await s.members.import(actor(c), c.body.csv, c.body.role, baseUrl(s, c), c.locale);
      c.res.once('close', () => { void r.deliver(); }); // the invitations go out once the answer is (recorded already)
      await c.audit('member.import', { data: { created: r.created.length, duplicates: r.duplicates.length, errors: r.errors.length, role: c.body.role } });
      return { created: r.created.map(memberJson), duplicates: r.duplicates, errors: r.errors };
    },
  });
}

/** Role, freeze, removal, a new link; the audit log; the invitee's password. */
function registerChangeRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'patch', path: '/api/members/:id', tag: TAG, access: 'admin',
    summary: 'Change a member\'s role or freeze/unfreeze them (admins: the owner only; never the owner). A frozen member cannot log in and their rooms refuse callers',
    params: idParams, body: z.object({ role: role.optional(), frozen: z.boolean().optional() }).strict(),
    handler: async (c) => {
      let user = await s.members.get(c.accountId, c.params.id);
      if (c.body.role !== undefined && c.body.role !== user.role) {
        const from = user.role;
        user = await s.members.setRole(actor(c), c.params.id, c.body.role);
        await c.audit('member.role', { target: { type: 'user', id: user.id }, data: { username: user.username, from, to: user.role } });
      }
      if (c.body.frozen !== undefined && c.body.frozen !== (user.frozenAt !== null)) {
        user = await s.members.setFrozen(actor(c), c.params.id, c.body.frozen);
        await c.audit(c.body.frozen ? 'member.freeze' : 'member.unfreeze', { target: { type: 'user', id: user.id }, data: { username: user.username } });
      }
      return memberJson(user);
    },
  });
  api.add({
    method: 'delete', path: '/api/members/:id', tag: TAG, access: 'admin', summary: 'Remove a member (admins: the owner only; never the owner); their rooms pass to the owner',
    params: idParams,
    handler: async (c) => {
      const { user, roomsMoved } = await s.members.remove(actor(c), c.params.id);
      await c.audit('member.remove', { target: { type: 'user', id: user.id }, data: { username: user.username, name: user.displayName, role: user.role, roomsMoved } });
    },
  });
  api.add({
    method: 'post', path: '/api/members/:id/invitation', tag: TAG, access: 'admin', summary: 'Mail a new set-password link to a member who has not set a password (the old link stops working)',
    params: idParams, body: z.object({}).strict().optional(),
    handler: async (c) => {
      const user = await s.members.resendInvite(actor(c), c.params.id, baseUrl(s, c), c.locale);
      await c.audit('member.invite', { target: { type: 'user', id: user.id }, data: { username: user.username } });
      return memberJson(user);
    },
  });
  api.add({
    method: 'get', path: '/api/audit', tag: TAG, access: 'admin', summary: 'The account\'s audit log, newest first (who, what, when, from where); `userId` keeps one member\'s actions',
    query: z.object({ userId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
    handler: async (c) => (await s.members.audit(c.accountId, { userId: c.query.userId, ...(c.query.limit ? { limit: c.query.limit } : {}) })).map(auditJson),
  });
  api.add({
    method: 'post', path: '/api/invitations/accept', tag: TAG, access: 'public',
    summary: 'Set the password with the one-time link of the invitation mail (valid 7 days, once); 404 for an unknown, used or expired link',
    body: z.object({ token: z.string().min(20).max(100), password: z.string().min(1).max(256) }).strict(),
    handler: async (c) => {
      const user = await s.members.acceptInvitation(c.body.token, c.body.password, c.req.ip ?? null);
      return { username: user.username };
    },
  });
}
