// The members of an account (issue 19): invited by its owner or an admin,
// given a role, frozen and unfrozen, removed (their rooms pass to the owner).
// An invited member has no password until they use their one-time link; only
// the link's SHA-256 is kept, with its expiry.
import type { MemberRole, User } from '../users/store.ts';

export interface NewMember {
  username: string;
  displayName: string;
  email: string | null;
  /** E.164 (core/phone), or null. */
  phone: string | null;
  department: string;
  role: Exclude<MemberRole, 'owner'>;
}

/** The one-time set-password link of an invitation: its hash and expiry. */
export interface InviteSecret {
  tokenHash: string;
  expiresAt: Date;
}

/** What already exists, for duplicate checks (lower-cased usernames and e-mails, E.164 phones). */
export interface ExistingKeys {
  usernames: Set<string>;
  emails: Set<string>;
  phones: Set<string>;
}

export interface MemberStore {
  list(accountId: string): Promise<User[]>;
  /** Adds invited members in one transaction (all or none); 409 on a taken username. */
  invite(accountId: string, members: ReadonlyArray<NewMember & InviteSecret>, now: Date): Promise<User[]>;
  /** A new link for a member who has not set a password yet (the old one stops working). */
  renewInvite(accountId: string, id: string, secret: InviteSecret, now: Date): Promise<User>;
  setRole(accountId: string, id: string, role: Exclude<MemberRole, 'owner'>): Promise<User>;
  setFrozen(accountId: string, id: string, frozenAt: Date | null): Promise<User>;
  /** Deletes the member; their rooms pass to `heirId`. Returns how many rooms moved. */
  remove(accountId: string, id: string, heirId: string): Promise<{ roomsMoved: number }>;
  /** The invited member a link names, while it is valid. */
  findByInvite(tokenHash: string, now: Date): Promise<User | undefined>;
  /** Sets the password of the member the link names and spends the link; undefined when the link is unknown or expired. */
  acceptInvite(tokenHash: string, passwordHash: string, now: Date): Promise<User | undefined>;
  /** Usernames taken anywhere (they log in without an account name), e-mails and phones taken in the account. */
  existingKeys(accountId: string, usernames: readonly string[]): Promise<ExistingKeys>;
}
