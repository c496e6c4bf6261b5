// People who log in: an account's members (its one owner, admins who see all
// of the account, organizers who run their own rooms) and platform operators.
export type Role = 'owner' | 'admin' | 'organizer' | 'operator';
/** The roles inside an account. */
export type MemberRole = Exclude<Role, 'operator'>;
export const MEMBER_ROLES: readonly MemberRole[] = ['owner', 'admin', 'organizer'];

export interface User {
  id: string;
  /** null for operators. */
  accountId: string | null;
  role: Role;
  username: string;
  displayName: string;
  email: string | null;
  locale: string;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  /** Set while the member is frozen: no login, no session, their rooms refuse callers. */
  frozenAt: Date | null;
  department: string;
  /** E.164, or null. */
  phone: string | null;
  /** When the invitation went out (members added by an owner or admin). */
  invitedAt: Date | null;
  /** False for an invited member who has not set a password yet. */
  hasPassword: boolean;
}

export interface NewUser {
  accountId: string | null;
  role: Role;
  username: string;
  password: string;
  displayName?: string;
  email?: string | null;
  locale?: string;
}

export type LoginResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' }
  /** The right password of a frozen member. */
  | { ok: false; reason: 'frozen' }
  | { ok: false; reason: 'locked'; lockedUntil: Date };

/** Who is asking: an account owner sees only their account; operators see users without an account. */
export type UserScope = { accountId: string } | { operator: true };

export interface UserStore {
  create(input: NewUser): Promise<User>;
  get(scope: UserScope, id: string): Promise<User>;
  /** The user a login session names, whoever they are (the session is the proof of scope); undefined when gone. */
  findById(id: string): Promise<User | undefined>;
  listByAccount(accountId: string): Promise<User[]>;
  /** Checks the password, counts failures, locks after three for three minutes. */
  authenticate(username: string, password: string, now: Date): Promise<LoginResult>;
  changePassword(scope: UserScope, id: string, oldPassword: string, newPassword: string): Promise<void>;
  update(scope: UserScope, id: string, patch: { displayName?: string; email?: string | null; locale?: string }): Promise<User>;
}
