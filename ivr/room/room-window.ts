// A room's window as the running meeting sees it: when it closes now (with
// every extension), the end-of-window clock (warnings, then the end), and
// extending it — the conference row first, so that the database and the
// clock never disagree; a row that cannot be saved leaves both as they were.
import type { Clock } from '../../common/clock.ts';
import type { Repositories } from '../../core/repositories.ts';
import { WindowClock, type WindowClockHandlers } from './window-clock.ts';

export interface RoomWindowDeps {
  repos: Repositories;
  accountId: string;
  conferenceId: string;
  now: () => Date;
  clock: Clock;
  minuteMs: number;
  warnMinutes: readonly number[];
}

export class RoomWindow {
  private closes: Date;
  private readonly clock: WindowClock;

  constructor(private readonly deps: RoomWindowDeps, closesAt: Date, handlers: WindowClockHandlers) {
    this.closes = closesAt;
    this.clock = new WindowClock(closesAt.getTime() - deps.now().getTime(), deps.minuteMs, deps.warnMinutes, handlers, deps.clock);
  }

  get closesAt(): Date { return this.closes; }

  /** Adds `minutes`; the new close. Rejects (nothing changed) when the conference row cannot be saved. */
  async extend(minutes: number): Promise<Date> {
    const row = await this.deps.repos.conferences.extend(this.deps.accountId, this.deps.conferenceId, minutes);
    this.closes = row.scheduledEnd ?? new Date(this.closes.getTime() + minutes * 60_000);
    this.clock.extend(minutes);
    return this.closes;
  }

  stop(): void { this.clock.stop(); }
}
