// Every mail the web app sends is kept here with its fate: sent, failed (with
// the error), or waiting in the outbox because no SMTP server is configured.
export type MailStatus = 'outbox' | 'sent' | 'failed';

export interface StoredMail {
  id: string;
  accountId: string | null;
  to: string;
  subject: string;
  text: string;
  ics: string | null;
  status: MailStatus;
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export type NewStoredMail = Omit<StoredMail, 'id' | 'createdAt'> & { createdAt?: Date };

export interface OutboxStore {
  add(m: NewStoredMail): Promise<StoredMail>;
  /** Newest first. */
  list(opts?: { limit?: number }): Promise<StoredMail[]>;
  get(id: string): Promise<StoredMail | undefined>;
}
