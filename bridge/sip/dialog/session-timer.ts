// RFC 4028 session timers, the part a conference bridge needs as the UAS:
// negotiate Session-Expires in our 2xx, then either watch for the peer's
// refreshes (refresher=uac) and end a session whose peer has vanished, or
// refresh it ourselves (refresher=uas) with a re-INVITE at half the interval.
import { getHeader, getHeaderValues } from '../message/headers.ts';
import type { HeaderField, SipRequest } from '../message/message.ts';
import type { Clock, TimerHandle } from '../../../common/clock.ts';

/** RFC 4028 §4: the smallest interval we accept (and the protocol minimum). */
export const MIN_SE = 90;

export interface SessionExpires { interval: number; refresher?: 'uac' | 'uas' }

export function parseSessionExpires(value: string | undefined): SessionExpires | undefined {
  if (!value) return undefined;
  const m = /^\s*(\d{1,10})\s*(?:;(.*))?$/.exec(value);
  if (!m) return undefined;
  const refresher = /(?:^|;)\s*refresher\s*=\s*(uac|uas)\s*(?:;|$)/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
  return { interval: Number(m[1]), refresher: refresher as 'uac' | 'uas' | undefined };
}

/** The Session-Expires asked for in a request, if any (compact form `x` included). */
export function requestedSessionExpires(req: SipRequest): SessionExpires | undefined {
  return parseSessionExpires(getHeader(req, 'Session-Expires'));
}

export class SessionTimer {
  private timer: TimerHandle | undefined;
  readonly weRefresh: boolean;

  constructor(
    readonly interval: number,
    readonly refresher: 'uac' | 'uas',
    private readonly clock: Clock,
    private readonly onExpired: () => void,
    private readonly refresh: () => void,
  ) {
    this.weRefresh = refresher === 'uas';
  }

  /** For the UAS answering `req`: the interval and refresher to put in the 2xx. */
  static negotiate(req: SipRequest): { interval: number; refresher: 'uac' | 'uas' } | undefined {
    const se = requestedSessionExpires(req);
    if (!se) return undefined;
    const peerSupports = getHeaderValues(req, 'Supported').some((t) => t.toLowerCase() === 'timer');
    // §9: the UAS may choose when the UAC did not; a UAC without timer support cannot refresh.
    const refresher = se.refresher ?? (peerSupports ? 'uac' : 'uas');
    return { interval: Math.max(se.interval, MIN_SE), refresher: peerSupports ? refresher : 'uas' };
  }

  headers(): HeaderField[] {
    const h: HeaderField[] = [{ name: 'Session-Expires', value: `${this.interval};refresher=${this.refresher}` }];
    // §9: with refresher=uac the UAS must require the extension of the UAC.
    if (this.refresher === 'uac') h.push({ name: 'Require', value: 'timer' });
    return h;
  }

  /** (Re)starts the interval: after the 2xx of the initial INVITE and of each refresh. */
  restart(): void {
    this.stop();
    const ms = this.interval * 1000;
    if (this.weRefresh) {
      this.timer = this.clock.setTimer(ms / 2, () => this.refresh());
    } else {
      // §10: without a refresh, BYE at the interval minus min(32 s, interval/3).
      this.timer = this.clock.setTimer(ms - Math.min(32_000, ms / 3), () => this.onExpired());
    }
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
