// Where webhook events come from. The live bus, heard for every account
// (EVERY_ACCOUNT, like the dial-out alert mail): meeting started/ended,
// participant joined/left, invite state changes. Recordings: when a
// conference's recording stops (or the conference ends) its finished rows
// are looked up — now and a few times after, as the row may be finished a
// moment after the event — and each becomes one recording.ready (its id is
// the recording's, so looking again sends nothing twice). Low balance: the
// low-balance sweep hands over each crossing it claimed (publishBalanceLow).
// Events are written one after the other, in the order heard, so an
// endpoint receives them in that order.
import { EVERY_ACCOUNT, type LiveBus, type Unsubscribe } from '../../core/live/live.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { LowBalanceState } from '../../core/billing/low-balance.ts';
import { balanceLow, fromLiveEvent, recordingReady } from '../../core/webhooks/events.ts';
import { moduleLogger } from '../../common/log.ts';
import type { WebhookService } from './service.ts';

const log = moduleLogger('web', { part: 'webhook-events' });
/** When a conference's recordings are looked for after it stopped recording or ended (ms after the event). */
const RECORDING_LOOKS_MS = [0, 1000, 3000, 10_000];

export class WebhookEventFeed {
  private chain: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly repos: Pick<Repositories, 'recordings' | 'accounts'>,
    private readonly webhooks: WebhookService,
    private readonly publicUrl: string | undefined,
  ) {}

  /** Hears the bus until the returned function is called. */
  watch(bus: LiveBus): Unsubscribe {
    const stop = bus.subscribe({ accountId: EVERY_ACCOUNT }, (e) => this.heard(e));
    return () => {
      stop();
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
    };
  }

  /** Runs `work` after everything queued before it (the order heard is the order written). */
  private then(what: string, work: () => Promise<unknown>): Promise<void> {
    this.chain = this.chain.then(work).then(() => undefined, (err: unknown) => log.error({ err, what }, 'webhook event not written'));
    return this.chain;
  }

  heard(e: LiveEvent): void {
    const w = fromLiveEvent(e);
    if (w) void this.then(w.type, () => this.webhooks.publish(w));
    if ((e.type === 'recording' && !e.on) || e.type === 'ended') this.lookForRecordings(e.accountId, e.conferenceId);
  }

  private lookForRecordings(accountId: string, conferenceId: string): void {
    for (const ms of RECORDING_LOOKS_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.then('recording.ready', () => this.publishRecordings(accountId, conferenceId));
      }, ms);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** recording.ready for each finished recording of the conference (once each). */
  async publishRecordings(accountId: string, conferenceId: string): Promise<number> {
    if ((await this.webhooks.subscriberCount(accountId, 'recording.ready')) === 0) return 0;
    const rows = await this.repos.recordings.list(accountId, { conferenceId });
    let n = 0;
    for (const r of rows.filter((x) => x.endedAt !== null).reverse()) {
      const audioUrl = this.publicUrl ? `${this.publicUrl.replace(/\/$/, '')}/api/recordings/${r.id}/audio.wav` : null;
      n += await this.webhooks.publish(recordingReady(r, { audioUrl }));
    }
    return n;
  }

  /** balance.low for a crossing the low-balance sweep claimed. */
  async publishBalanceLow(s: LowBalanceState, at: Date): Promise<void> {
    const account = await this.repos.accounts.get(s.accountId);
    await this.then('balance.low', () => this.webhooks.publish(balanceLow(s, account.currency, at)));
  }

  /** Everything heard so far is written (tests, and a stop). */
  settled(): Promise<void> { return this.chain; }
}
