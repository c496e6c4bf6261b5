// What a LiveHost said, for the IVR's live tests: every event, checked
// against the seam's schema as it arrives (a malformed one is kept in
// `invalid`, never lost in a listener), with the fake time it came at.
import type { LiveHost, Unsubscribe } from '../../core/live/live.ts';
import { liveEventSchema, type LiveActor, type LiveEvent, type LiveEventType } from '../../core/live/messages.ts';

export type EventOf<T extends LiveEventType> = Extract<LiveEvent, { type: T }>;

/** A web user acting from the console. */
export const WEB = { kind: 'web', userId: '00000000-0000-4000-8000-000000000001', name: 'Console' } as const satisfies LiveActor;
/** How conference events name the web user. */
export const WEB_ACTOR = `user:${WEB.userId}`;

export class LiveEventLog {
  readonly events: Array<LiveEvent & { fakeMs: number }> = [];
  readonly invalid: string[] = [];
  private readonly unsubscribe: Unsubscribe;

  constructor(host: LiveHost, now: () => number) {
    this.unsubscribe = host.subscribe((e) => {
      const r = liveEventSchema.safeParse(e);
      if (!r.success) this.invalid.push(`${e.type}: ${r.error.message}`);
      this.events.push({ ...e, fakeMs: now() });
    });
  }

  /** Events of one type (of one conference when given), in order. */
  of<T extends LiveEventType>(type: T, conferenceId?: string): Array<EventOf<T> & { fakeMs: number }> {
    return this.events.filter((e): e is EventOf<T> & { fakeMs: number } => e.type === type && (conferenceId === undefined || e.conferenceId === conferenceId));
  }

  /** `participant` events of one participant, in order. */
  participant(id: string): Array<EventOf<'participant'> & { fakeMs: number }> {
    return this.of('participant').filter((e) => e.participant.id === id);
  }

  /** The types, in order (of one conference when given). */
  types(conferenceId?: string): LiveEventType[] {
    return this.events.filter((e) => conferenceId === undefined || e.conferenceId === conferenceId).map((e) => e.type);
  }

  close(): void { this.unsubscribe(); }
}
