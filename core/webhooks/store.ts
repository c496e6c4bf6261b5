// Webhooks (issue 19): an account's endpoints and the deliveries to them.
// Deliveries are an outbox: written first (one per endpoint and event, the
// event's id making a second write of the same event a no-op), then claimed
// by a sender with a lease (FOR UPDATE SKIP LOCKED, like core/outbox) so of
// several processes on one database one sends each, and a restart resumes
// what was pending. Every attempt is logged with its status or error.
export const WEBHOOK_EVENT_TYPES = [
  'meeting.started', 'meeting.ended', 'participant.joined', 'participant.left',
  'recording.ready', 'invite.state_changed', 'balance.low',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** The test event the page's button sends (always delivered, whatever the subscription). */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export interface WebhookEndpoint {
  id: string;
  accountId: string;
  url: string;
  description: string;
  /** Kept to sign with; shown to the owner once, when made. */
  secret: string;
  events: WebhookEventType[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  accountId: string;
  eventId: string;
  eventType: string;
  /** The exact JSON text signed and sent. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  /** Pending: when it is tried next (or when a sender's lease lapses). */
  nextAttemptAt: Date | null;
  retryUntil: Date;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

export interface WebhookAttempt {
  attempt: number;
  at: Date;
  /** The HTTP status, or null when there was no answer (then `error`). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** What a delivery's attempt ended in, as the sender decides it. */
export type AttemptOutcome =
  | { kind: 'delivered'; at: Date }
  | { kind: 'retry'; nextAttemptAt: Date }
  | { kind: 'failed' };

export interface NewDelivery {
  eventId: string;
  eventType: string;
  body: string;
  /** When it is due (now) and how long temporary failures are retried. */
  at: Date;
  retryUntil: Date;
}

export interface WebhookStore {
  createEndpoint(accountId: string, input: { url: string; description: string; secret: string; events: WebhookEventType[] }): Promise<WebhookEndpoint>;
  listEndpoints(accountId: string): Promise<WebhookEndpoint[]>;
  /** NotFoundError for another account's endpoint. */
  getEndpoint(accountId: string, id: string): Promise<WebhookEndpoint>;
  setEnabled(accountId: string, id: string, enabled: boolean): Promise<WebhookEndpoint>;
  /** Its deliveries go with it. */
  deleteEndpoint(accountId: string, id: string): Promise<void>;
  /** Enabled endpoints of the account subscribed to `type`. */
  subscribers(accountId: string, type: WebhookEventType): Promise<WebhookEndpoint[]>;
  /** One delivery to the endpoint; undefined when it has this event already. */
  enqueue(endpoint: Pick<WebhookEndpoint, 'id' | 'accountId'>, d: NewDelivery): Promise<WebhookDelivery | undefined>;
  /** Newest first; of one endpoint when given. */
  listDeliveries(accountId: string, opts?: { endpointId?: string; limit?: number }): Promise<WebhookDelivery[]>;
  getDelivery(accountId: string, id: string): Promise<WebhookDelivery>;
  attempts(accountId: string, deliveryIds: readonly string[]): Promise<Map<string, WebhookAttempt[]>>;
  /**
   * Takes up to `limit` pending deliveries that are due, oldest first: each
   * gets one more attempt counted and is leased (next attempt = now +
   * leaseMs) so another sender skips it. Rows another process is taking are
   * skipped, not waited for.
   */
  claimDue(now: Date, opts: { leaseMs: number; limit: number }): Promise<Array<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint }>>;
  /** Logs the attempt and moves the delivery on (delivered, pending for a retry, failed). */
  recordAttempt(deliveryId: string, attempt: WebhookAttempt, outcome: AttemptOutcome): Promise<void>;
  /** Pending again at once, with a new retry window (a failed or delivered one sent again); InvalidStateError for one still pending. */
  redeliver(accountId: string, id: string, at: Date, retryUntil: Date): Promise<WebhookDelivery>;
  countPending(): Promise<number>;
}
