// Alerts of the live console: a participant's *0 help request, a room's PIN
// lockout, an account's dial-out cap reached (calls at once, spend today).
// Raised by the node that hosts the room, shown on the live page and the
// dashboard until a user dismisses them.
export type AlertKind = 'help' | 'lockout' | 'dial_out';

export interface LiveAlert {
  id: string;
  accountId: string;
  roomId: string | null;
  roomNumber: string;
  conferenceId: string | null;
  kind: AlertKind;
  /** The participant (leg id) who asked for help; null for a lockout. */
  participantId: string | null;
  /** help: { number, name }; lockout: { until }; dial_out: { reason, limit, target } */
  data: Record<string, unknown>;
  raisedAt: Date;
  /** Help ended (back in the mix, or left); the alert stays until dismissed. */
  resolvedAt: Date | null;
  dismissedAt: Date | null;
}

export interface NewAlert {
  roomId: string | null;
  roomNumber: string;
  conferenceId: string | null;
  kind: AlertKind;
  participantId?: string | null;
  data?: Record<string, unknown>;
  at: Date;
}

export interface AlertStore {
  raise(accountId: string, alert: NewAlert): Promise<LiveAlert>;
  /** Marks the open help alert of a participant resolved (no error when there is none). */
  resolveHelp(accountId: string, conferenceId: string, participantId: string, at: Date): Promise<void>;
  /** Alerts not yet dismissed, newest first; of one conference when given. */
  listOpen(accountId: string, opts?: { conferenceId?: string; limit?: number }): Promise<LiveAlert[]>;
  /** NotFoundError when the alert is not the account's. */
  dismiss(accountId: string, id: string, by: { userId: string; at: Date }): Promise<LiveAlert>;
  /**
   * Marks the alert mailed (`data.mailedAt`) and returns it, or null when it
   * was mailed already or does not exist: of several web processes hearing
   * the same alert, one sends the mail.
   */
  claimMail(id: string, at: Date): Promise<LiveAlert | null>;
}
