// Who may call what (issue 19), in one place for the API router and the page
// router. Account side: `account` is any active member of the account
// (owner, admin, organizer; an organizer is further scoped to their own
// rooms by web/members/scope.ts), `admin` the owner or an admin, `owner` the
// owner only. Platform side: `operator`. `user` is anyone logged in,
// `public` anyone at all. A frozen member has no session at all (the session
// ends at their next request, web/auth/service.ts), so never reaches here.
import type { Role } from '../../core/users/store.ts';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';

export type Access = 'public' | 'account' | 'admin' | 'owner' | 'operator' | 'user';
export type PageAccess = Exclude<Access, 'user'>;

const ALLOWED: Record<Exclude<Access, 'public' | 'user'>, readonly Role[]> = {
  account: ['owner', 'admin', 'organizer'],
  admin: ['owner', 'admin'],
  owner: ['owner'],
  operator: ['operator'],
};

const REFUSAL: Record<Exclude<Access, 'public' | 'user'>, string> = {
  account: 'for the account\'s members only',
  admin: 'for the account\'s owner and admins only',
  owner: 'for the account owner only',
  operator: 'for operators only',
};

/** May a user of this role (undefined: nobody logged in) use a route of this access? */
export function allows(access: Access, role: Role | undefined): boolean {
  if (access === 'public') return true;
  if (role === undefined) return false;
  if (access === 'user') return true;
  return ALLOWED[access].includes(role);
}

/** Throws 401 without a session, 403 for the wrong role. */
export function checkAccess(access: Access, role: Role | undefined): void {
  if (access === 'public') return;
  if (role === undefined) throw new UnauthorizedError();
  if (!allows(access, role)) throw new ForbiddenError('forbidden', REFUSAL[access as keyof typeof REFUSAL]);
}

/** The account-side accesses (the ones a member of an account may hold). */
export const ACCOUNT_ACCESS: readonly Access[] = ['account', 'admin', 'owner'];

/** Does this user see everything of their account (owner, admin), or only their own rooms (organizer)? */
export function seesWholeAccount(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}
