// Sending mail: a transport (nodemailer over the configured SMTP server, or
// one a test hands in), and the service that records every mail in the
// outbox. A mail is queued and tried at once; a failure leaves it queued with
// the error and a next attempt after an exponential backoff, which the
// scheduler's delivery pass (deliverDue) makes; after `maxAttempts`, or on a
// permanent refusal (SMTP 5xx), it is failed with the error. Without SMTP a
// mail is kept in the outbox for the operator. A branded mail has an HTML
// alternative beside its text, with images inline (multipart/related,
// cid: references — RFC 2392); the outbox keeps the HTML and names each image
// by the SHA-256 of its bytes, which a retry fetches again (`images`).
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { InlineImageRef, OutboxStore, StoredMail } from '../../core/outbox/store.ts';
import type { SmtpSettings } from '../config.ts';
import { moduleLogger } from '../../common/log.ts';

const log = moduleLogger('web', { part: 'mail' });

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** An iCalendar invitation (or cancellation) attached as invite.ics. */
  ics?: string;
  /** The HTML alternative of `text` (the text part stays). */
  html?: string;
  /** Images the HTML shows as `cid:{cid}`. */
  inline?: InlineImage[];
}

export interface InlineImage {
  cid: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Where a retry finds an inline image's bytes again (by SHA-256). */
export type InlineImageSource = (sha256: string) => Promise<Buffer | undefined>;

export interface MailTransport {
  send(m: MailMessage): Promise<void>;
}

/** The .ics METHOD the calendar part announces (REQUEST, CANCEL). */
function icsMethod(ics: string): string {
  return /^METHOD:([A-Z-]+)\r?$/m.exec(ics)?.[1] ?? 'REQUEST';
}

export function smtpTransport(s: SmtpSettings): MailTransport {
  const transporter = nodemailer.createTransport(s.url);
  return {
    async send(m) {
      const method = m.ics ? icsMethod(m.ics) : 'REQUEST';
      await transporter.sendMail({
        from: s.from, to: m.to, subject: m.subject, text: m.text,
        // nodemailer puts the calendar in as the text/calendar alternative (what
        // calendar clients act on) and attaches it as invite.ics as well.
        ...(m.ics ? { icalEvent: { filename: 'invite.ics', method, content: m.ics } } : {}),
        // The HTML alternative; its images inline (Content-ID, multipart/related), never fetched from the web.
        ...(m.html ? { html: m.html } : {}),
        ...(m.inline && m.inline.length > 0
          ? { attachments: m.inline.map((i) => ({ cid: i.cid, filename: i.filename, contentType: i.contentType, content: i.content, contentDisposition: 'inline' as const })) }
          : {}),
      });
    },
  };
}

export interface MailRetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait after the first failure; doubled after each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A sender's hold on a mail it is sending (another process skips it meanwhile). */
  leaseMs: number;
}

export const DEFAULT_MAIL_RETRY: Readonly<MailRetryPolicy> = { maxAttempts: 6, baseDelayMs: 60_000, maxDelayMs: 3_600_000, leaseMs: 120_000 };

/** The wait before attempt `attempts + 1`: base · 2^(attempts − 1), capped. */
export function backoffMs(p: MailRetryPolicy, attempts: number): number {
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

/** SMTP 5xx: the server refuses for good (no such mailbox, policy); trying again changes nothing. */
function isPermanent(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { responseCode?: unknown }).responseCode : undefined;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The HTML and the inline images' names as the outbox keeps them. */
function stored(m: MailMessage): { html: string | null; inline: InlineImageRef[] | null } {
  const inline = (m.inline ?? []).map((i) => ({ cid: i.cid, filename: i.filename, contentType: i.contentType, sha256: createHash('sha256').update(i.content).digest('hex') }));
  return { html: m.html ?? null, inline: inline.length > 0 ? inline : null };
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 500);

export class MailService {
  private readonly retry: MailRetryPolicy;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly transport: MailTransport | undefined,
    private readonly now: () => Date,
    retry: Partial<MailRetryPolicy> = {},
    private readonly images: InlineImageSource = async () => undefined,
  ) {
    this.retry = { ...DEFAULT_MAIL_RETRY, ...retry };
  }

  /** Every mail recorded (queued, sent, failed, or kept), newest first: the operator's outbox page. */
  async list(): Promise<StoredMail[]> {
    return this.outbox.list();
  }

  /** Records and tries the mail once now (failures are retried later); never throws for a delivery failure. */
  async send(accountId: string | null, m: MailMessage): Promise<StoredMail> {
    const base = { accountId, to: m.to, subject: m.subject, text: m.text, ics: m.ics ?? null, ...stored(m), error: null, sentAt: null };
    if (!this.transport) return this.outbox.add({ ...base, status: 'outbox' });
    const row = await this.outbox.add({ ...base, status: 'queued', attempts: 1, nextAttemptAt: this.leaseEnd() });
    return this.attempt(row, m);
  }

  /**
   * Records many mails at once (queued, leased to this sender); `deliver()`
   * then tries them one after another (the caller starts it when it likes:
   * a request once its answer is out) and settles when all were tried (never
   * rejects). A mail not tried before its lease lapses (never started, a
   * crash) is the delivery pass's, as any queued mail.
   */
  async sendMany(accountId: string | null, ms: readonly MailMessage[]): Promise<{ stored: StoredMail[]; deliver: () => Promise<void> }> {
    const base = (m: MailMessage) => ({ accountId, to: m.to, subject: m.subject, text: m.text, ics: m.ics ?? null, error: null, sentAt: null });
    if (!this.transport) return { stored: await this.outbox.addMany(ms.map((m) => ({ ...base(m), status: 'outbox' as const }))), deliver: () => Promise.resolve() };
    const stored = await this.outbox.addMany(ms.map((m) => ({ ...base(m), status: 'queued' as const, attempts: 1, nextAttemptAt: this.leaseEnd() })));
    let started: Promise<void> | undefined;
    const deliver = (): Promise<void> => {
      started ??= (async () => {
        for (let i = 0; i < stored.length; i++) await this.attempt(stored[i]!, ms[i]!);
      })().catch((err: unknown) => { log.error({ err }, 'bulk mail stopped; the delivery pass takes the rest'); });
      return started;
    };
    return { stored, deliver };
  }

  /**
   * As send, once per key: undefined when a mail with this key was recorded
   * already (a reminder job that runs again after a crash mails nobody twice).
   */
  async sendOnce(accountId: string | null, m: MailMessage, dedupeKey: string): Promise<StoredMail | undefined> {
    const base = { accountId, to: m.to, subject: m.subject, text: m.text, ics: m.ics ?? null, ...stored(m), error: null, sentAt: null, dedupeKey };
    if (!this.transport) return this.outbox.addOnce({ ...base, status: 'outbox' });
    const row = await this.outbox.addOnce({ ...base, status: 'queued', attempts: 1, nextAttemptAt: this.leaseEnd() });
    return row ? this.attempt(row, m) : undefined;
  }

  /** The delivery pass: tries the queued mails that are due; returns them with their new state. */
  async deliverDue(limit = 20): Promise<StoredMail[]> {
    if (!this.transport) return [];
    const due = await this.outbox.claimDue(this.now(), { leaseMs: this.retry.leaseMs, limit });
    const out: StoredMail[] = [];
    for (const row of due) out.push(await this.attempt(row, await this.messageOf(row)));
    return out;
  }

  /** A stored mail as it is sent again: its inline images fetched by their hash (one that is gone is left out). */
  private async messageOf(row: StoredMail): Promise<MailMessage> {
    const inline: InlineImage[] = [];
    for (const ref of row.inline ?? []) {
      const content = await this.images(ref.sha256);
      if (content) inline.push({ cid: ref.cid, filename: ref.filename, contentType: ref.contentType, content });
      else log.warn({ mail: row.id, sha256: ref.sha256 }, 'an inline image of a queued mail is gone; sent without it');
    }
    return {
      to: row.to, subject: row.subject, text: row.text, ...(row.ics ? { ics: row.ics } : {}),
      ...(row.html ? { html: row.html } : {}), ...(inline.length > 0 ? { inline } : {}),
    };
  }

  private leaseEnd(): Date {
    return new Date(this.now().getTime() + this.retry.leaseMs);
  }

  /** One delivery attempt of a queued row whose `attempts` already counts it. */
  private async attempt(row: StoredMail, m: MailMessage): Promise<StoredMail> {
    try {
      await this.transport!.send(m);
      const at = this.now();
      await this.outbox.markSent(row.id, at);
      return { ...row, status: 'sent', sentAt: at, nextAttemptAt: null };
    } catch (err) {
      const error = errorText(err);
      if (isPermanent(err) || row.attempts >= this.retry.maxAttempts) {
        log.warn({ err, to: m.to, mail: row.id, attempts: row.attempts }, 'mail not delivered; failed for good');
        await this.outbox.markFailed(row.id, error);
        return { ...row, status: 'failed', error, nextAttemptAt: null };
      }
      const next = new Date(this.now().getTime() + backoffMs(this.retry, row.attempts));
      log.warn({ err, to: m.to, mail: row.id, attempts: row.attempts, next }, 'mail not delivered; will retry');
      await this.outbox.markRetry(row.id, error, next);
      return { ...row, status: 'queued', error, nextAttemptAt: next };
    }
  }
}
