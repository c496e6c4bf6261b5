// A meeting's calendar side: who its invitation went to (reminders, updated
// invitations and the cancellation go to them) and the iCalendar SEQUENCE,
// raised on every edit so calendars replace the older copy (RFC 5546 §2.1.4).
export interface CalendarStore {
  /** Remembers the addresses (lower-cased; already known ones are kept once). */
  addInvitees(accountId: string, roomId: string, emails: readonly string[]): Promise<void>;
  invitees(accountId: string, roomId: string): Promise<string[]>;
  sequence(accountId: string, roomId: string): Promise<number>;
  /** Raises the SEQUENCE by one and returns the new value. */
  bumpSequence(accountId: string, roomId: string): Promise<number>;
}
