// Every mail the web app sends is kept here with its fate: queued (being
// sent, or waiting for its next attempt after a failure), sent, failed for
// good (with the error), or kept in the outbox because no SMTP server is
// configured.
export type MailStatus = 'outbox' | 'queued' | 'sent' | 'failed';

export interface StoredMail {
  id: string;
  accountId: string | null;
  to: string;
  subject: string;
  text: string;
  ics: string | null;
  /** The HTML alternative of the text (branded mails), or null: text only. */
  html: string | null;
  /** Images the HTML shows inline (cid:), named by the SHA-256 of their bytes (kept in branding_logos). */
  inline: InlineImageRef[] | null;
  status: MailStatus;
  /** The last error (also while queued for a retry). */
  error: string | null;
  /** Delivery attempts so far. */
  attempts: number;
  /** Queued: when it is due again (after a failure, or when a sender's lease lapses). */
  nextAttemptAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** An inline image of a mail's HTML part: `<img src="cid:{cid}">`. */
export interface InlineImageRef {
  cid: string;
  filename: string;
  contentType: string;
  sha256: string;
}

export type NewStoredMail = Omit<StoredMail, 'id' | 'createdAt' | 'attempts' | 'nextAttemptAt' | 'html' | 'inline'> & {
  html?: string | null;
  inline?: InlineImageRef[] | null;
  createdAt?: Date;
  attempts?: number;
  nextAttemptAt?: Date | null;
  /** One mail per key: a second add with the same key adds nothing (a re-run reminder job). */
  dedupeKey?: string | null;
};

export interface OutboxStore {
  add(m: NewStoredMail): Promise<StoredMail>;
  /** Adds many in a few inserts (a directory import's invitations), in order. */
  addMany(ms: readonly NewStoredMail[]): Promise<StoredMail[]>;
  /** As add, but undefined when a mail with the same dedupe key exists already. */
  addOnce(m: NewStoredMail & { dedupeKey: string }): Promise<StoredMail | undefined>;
  /** Newest first. */
  list(opts?: { limit?: number; status?: MailStatus }): Promise<StoredMail[]>;
  get(id: string): Promise<StoredMail | undefined>;
  /**
   * Takes up to `limit` queued mails that are due: each gets one more attempt
   * counted and is leased (next attempt = now + leaseMs) so another sender
   * skips it. Rows another process is taking are skipped, not waited for.
   */
  claimDue(now: Date, opts: { leaseMs: number; limit: number }): Promise<StoredMail[]>;
  markSent(id: string, at: Date): Promise<void>;
  /** Still queued: tried again at `nextAttemptAt`. */
  markRetry(id: string, error: string, nextAttemptAt: Date): Promise<void>;
  markFailed(id: string, error: string): Promise<void>;
  /** Mails waiting: queued for sending (or a retry), and kept in the outbox for want of SMTP. One grouped count on the status index. */
  countWaiting(): Promise<{ queued: number; outbox: number }>;
}
