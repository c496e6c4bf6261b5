// The account's members (issue 19): the owner or an admin adds people (one by
// one or from a directory CSV), each gets an invitation mail with a one-time
// set-password link valid 7 days (stored hashed, so no argon2 at import: a
// thousand members import in well under a second); roles change, members are
// frozen (their sessions end, their rooms refuse callers) and removed (their
// rooms pass to the owner). Only the owner makes, changes or removes admins;
// nobody removes, freezes or demotes the owner. Every action is audited by
// the routes (web/members/routes.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Repositories } from '../../core/repositories.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { User } from '../../core/users/store.ts';
import type { InviteSecret, NewMember } from '../../core/members/store.ts';
import { parseDirectoryCsv, splitExisting, type DirectoryDuplicate, type DirectoryError, type DirectoryRow } from '../../core/members/csv.ts';
import { checkPasswordPolicy, hashPassword } from '../../core/users/passwords.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { toStoredNumber } from '../../core/phone/normalise.ts';
import type { AuditEntry } from '../../core/audit/store.ts';
import type { MailMessage, MailService } from '../mail/mailer.ts';
import type { WebConfig } from '../config.ts';
import { ForbiddenError, HttpError } from '../errors.ts';
import { t, isLocale, type Locale } from '../i18n/messages.ts';

export const INVITE_TTL_MS = 7 * 24 * 3600_000;
export type InvitedRole = NewMember['role'];

/** Who acts: a member of the account (the routes let owners and admins in). */
export interface Actor { user: User; account: Account }

export interface MemberInput {
  name: string;
  email: string;
  username?: string | undefined;
  phone?: string | undefined;
  department?: string | undefined;
  role: InvitedRole;
}

export interface DirectoryPreview {
  rows: DirectoryRow[];
  errors: DirectoryError[];
  duplicates: DirectoryDuplicate[];
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

function newSecret(now: Date): InviteSecret & { token: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + INVITE_TTL_MS) };
}

export class MemberService {
  constructor(private readonly repos: Repositories, private readonly mail: MailService, private readonly config: WebConfig, private readonly now: () => Date) {}

  list(accountId: string): Promise<User[]> {
    return this.repos.members.list(accountId);
  }

  async get(accountId: string, id: string): Promise<User> {
    return this.repos.users.get({ accountId }, id);
  }

  /** Adds one member and mails their link; 409 when the username, e-mail or phone is a member's already. */
  async add(actor: Actor, input: MemberInput, baseUrl: string, locale: Locale): Promise<User> {
    this.mayGrant(actor, input.role);
    const email = input.email.trim().toLowerCase();
    const phone = input.phone ? toStoredNumber(input.phone, { defaultRegion: this.config.defaultRegion }) : null;
    const username = (input.username ?? email).trim().toLowerCase();
    const existing = await this.repos.members.existingKeys(actor.account.id, [username]);
    if (existing.usernames.has(username)) throw new ConflictError(`username ${username} is taken`, 'username');
    if (existing.emails.has(email)) throw new ConflictError(`${email} is a member already`, 'email');
    if (phone && existing.phones.has(phone)) throw new ConflictError(`${phone} is a member's phone already`, 'phone');
    const secret = newSecret(this.now());
    const [user] = await this.repos.members.invite(actor.account.id, [{
      username, displayName: input.name.trim(), email, phone, department: input.department?.trim() ?? '', role: input.role, ...secret,
    }], this.now());
    await this.sendInvite(actor, user!, secret.token, baseUrl, locale);
    return user!;
  }

  /** Reads a directory CSV and reports what an import would do (nothing is written). */
  async preview(accountId: string, csv: string): Promise<DirectoryPreview> {
    const parsed = parseDirectoryCsv(csv, { defaultRegion: this.config.defaultRegion });
    const existing = await this.repos.members.existingKeys(accountId, parsed.rows.map((r) => r.member.email));
    const { fresh, duplicates } = splitExisting(parsed.rows, existing);
    return { rows: fresh, errors: parsed.errors, duplicates: [...parsed.duplicates, ...duplicates].sort((a, b) => a.line - b.line) };
  }

  /**
   * Imports the new rows of a directory CSV as invited members (all in one
   * transaction) and records their invitation mails; `deliver()` sends them.
   */
  async import(actor: Actor, csv: string, role: InvitedRole, baseUrl: string, locale: Locale): Promise<DirectoryPreview & { created: User[]; deliver: () => Promise<void> }> {
    this.mayGrant(actor, role);
    const p = await this.preview(actor.account.id, csv);
    const now = this.now();
    const secrets = p.rows.map(() => newSecret(now));
    const created = await this.repos.members.invite(actor.account.id, p.rows.map((r, i) => ({
      username: r.member.email, displayName: r.member.name, email: r.member.email, phone: r.member.phone, department: r.member.department, role,
      ...secrets[i]!,
    })), now);
    const mails = created.flatMap((u, i) => (u.email ? [this.inviteMail(actor, u, secrets[i]!.token, baseUrl, locale)] : []));
    const { deliver } = await this.mail.sendMany(actor.account.id, mails);
    return { ...p, created, deliver };
  }

  async setRole(actor: Actor, id: string, role: InvitedRole): Promise<User> {
    const target = await this.target(actor, id);
    this.mayGrant(actor, role);
    return this.repos.members.setRole(actor.account.id, target.id, role);
  }

  /** Freezing ends the member's sessions at once. */
  async setFrozen(actor: Actor, id: string, frozen: boolean): Promise<User> {
    const target = await this.target(actor, id);
    if (target.id === actor.user.id) throw new ValidationError('you cannot freeze yourself', 'id');
    const user = await this.repos.members.setFrozen(actor.account.id, target.id, frozen ? this.now() : null);
    if (frozen) await this.repos.sessions.deleteForUser(target.id);
    return user;
  }

  /** Removes the member; their rooms pass to the owner. */
  async remove(actor: Actor, id: string): Promise<{ user: User; roomsMoved: number }> {
    const target = await this.target(actor, id);
    if (target.id === actor.user.id) throw new ValidationError('you cannot remove yourself', 'id');
    const owner = (await this.repos.members.list(actor.account.id)).find((u) => u.role === 'owner');
    if (!owner) throw new NotFoundError('owner', actor.account.id);
    await this.repos.sessions.deleteForUser(target.id);
    const { roomsMoved } = await this.repos.members.remove(actor.account.id, target.id, owner.id);
    return { user: target, roomsMoved };
  }

  /** A new link for a member who has not set a password yet. */
  async resendInvite(actor: Actor, id: string, baseUrl: string, locale: Locale): Promise<User> {
    const target = await this.target(actor, id);
    if (target.hasPassword) throw new ConflictError('this member has set a password already', 'id');
    const secret = newSecret(this.now());
    const user = await this.repos.members.renewInvite(actor.account.id, target.id, secret, this.now());
    await this.sendInvite(actor, user, secret.token, baseUrl, locale);
    return user;
  }

  /** The invited member a link names, while it is valid; 404 otherwise. */
  async invitation(token: string): Promise<User> {
    const user = await this.repos.members.findByInvite(hashToken(token), this.now());
    if (!user) throw new HttpError(404, 'not_found', 'this link is unknown, used or expired');
    return user;
  }

  /** Sets the password and spends the link. */
  async acceptInvitation(token: string, password: string, ip: string | null): Promise<User> {
    checkPasswordPolicy(password);
    const user = await this.repos.members.acceptInvite(hashToken(token), await hashPassword(password), this.now());
    if (!user) throw new HttpError(404, 'not_found', 'this link is unknown, used or expired');
    await this.repos.audit.append({ accountId: user.accountId, userId: user.id, actor: `user:${user.id}`, action: 'member.password_set', targetType: 'user', targetId: user.id, ip });
    return user;
  }

  /** The account's audit log, newest first; `userId`: what one member did. */
  async audit(accountId: string, opts: { userId?: string | undefined; limit?: number }): Promise<AuditEntry[]> {
    return this.repos.audit.list(accountId, { limit: opts.limit ?? 200, ...(opts.userId ? { userId: opts.userId } : {}) });
  }

  /** The member acted on: 404 outside the account; the owner is untouchable; admins are the owner's to change. */
  private async target(actor: Actor, id: string): Promise<User> {
    const target = await this.repos.users.get({ accountId: actor.account.id }, id);
    if (target.role === 'owner') throw new ForbiddenError('forbidden', 'the account owner cannot be changed, frozen or removed');
    if (target.role === 'admin' && actor.user.role !== 'owner') throw new ForbiddenError('forbidden', 'only the owner changes admins');
    return target;
  }

  private mayGrant(actor: Actor, role: InvitedRole): void {
    if (role === 'admin' && actor.user.role !== 'owner') throw new ForbiddenError('forbidden', 'only the owner makes admins');
  }

  private async sendInvite(actor: Actor, user: User, token: string, baseUrl: string, fallback: Locale): Promise<void> {
    if (user.email) await this.mail.send(actor.account.id, this.inviteMail(actor, user, token, baseUrl, fallback));
  }

  private inviteMail(actor: Actor, user: User, token: string, baseUrl: string, fallback: Locale): MailMessage {
    const locale = isLocale(actor.user.locale) ? actor.user.locale : fallback;
    const link = `${baseUrl.replace(/\/$/, '')}/invite/${token}`;
    const vars = { account: actor.account.name, name: user.displayName, username: user.username, link, by: actor.user.displayName };
    return { to: user.email!, subject: t(locale, 'members.mail.subject', vars), text: t(locale, 'members.mail.body', vars) };
  }
}
