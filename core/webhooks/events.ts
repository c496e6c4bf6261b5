// What a webhook says: the event envelope and the events made from the live
// seam's messages (core/live/messages.ts), from finished recordings and from
// low-balance crossings. Every event has an id derived from what happened
// (the conference, the participant, the recording …), not drawn at random,
// so every web process that hears the same live event makes the same id and
// the deliveries' unique key keeps one of them.
import { createHash, randomUUID } from 'node:crypto';
import type { LiveEvent } from '../live/messages.ts';
import type { Recording } from '../recordings/store.ts';
import type { WebhookEventType } from './store.ts';

export interface WebhookEvent {
  /** evt_… : the same for every endpoint the event goes to (receivers de-duplicate on it). */
  id: string;
  type: WebhookEventType | 'webhook.test';
  /** When it happened (ISO 8601). Deliveries can overtake each other after a retry: order by this. */
  occurredAt: string;
  accountId: string;
  data: Record<string, unknown>;
}

function eventId(key: string): string {
  return `evt_${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

function make(type: WebhookEvent['type'], key: string, accountId: string, occurredAt: string, data: Record<string, unknown>): WebhookEvent {
  return { id: eventId(`${type}|${key}`), type, occurredAt, accountId, data };
}

/** The webhook event a live event makes, if any (talking, quality, mute … make none). */
export function fromLiveEvent(e: LiveEvent): WebhookEvent | undefined {
  switch (e.type) {
    case 'started':
      return make('meeting.started', e.conferenceId, e.accountId, e.at, { conferenceId: e.conferenceId, roomNumber: e.roomNumber, roomName: e.roomName });
    case 'ended':
      return make('meeting.ended', e.conferenceId, e.accountId, e.at, { conferenceId: e.conferenceId, reason: e.reason });
    case 'joined': {
      const p = e.participant;
      return make('participant.joined', `${e.conferenceId}|${p.id}`, e.accountId, e.at, {
        conferenceId: e.conferenceId,
        participant: { id: p.id, name: p.name, number: p.number, role: p.role, kind: p.kind, accessNumber: p.accessNumber, joinedAt: p.joinedAt },
      });
    }
    case 'left':
      return make('participant.left', `${e.conferenceId}|${e.participantId}`, e.accountId, e.at, { conferenceId: e.conferenceId, participantId: e.participantId, reason: e.reason });
    case 'invite': {
      const i = e.invite;
      return make('invite.state_changed', `${i.id}|${i.state}|${i.updatedAt}`, e.accountId, e.at, {
        conferenceId: e.conferenceId,
        invite: { id: i.id, target: i.target, name: i.name, state: i.state, q850Cause: i.q850Cause, sipStatus: i.sipStatus, participantId: i.participantId },
      });
    }
    default:
      return undefined;
  }
}

/** recording.ready: a recording whose row is finished (failure set when it stopped on its own). */
export function recordingReady(r: Recording, links: { audioUrl: string | null }): WebhookEvent {
  return make('recording.ready', r.id, r.accountId, (r.endedAt ?? r.startedAt).toISOString(), {
    recordingId: r.id, conferenceId: r.conferenceId, roomId: r.roomId, startedAt: r.startedAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null, durationMs: r.durationMs, sizeBytes: r.sizeBytes, failure: r.failure, audioUrl: links.audioUrl,
  });
}

/** balance.low: one per crossing (the crossing's time is in its id). */
export function balanceLow(s: { accountId: string; balanceMinor: number; thresholdMinor: number; lowSince: Date | null }, currency: string, at: Date): WebhookEvent {
  const since = (s.lowSince ?? at).toISOString();
  return make('balance.low', `${s.accountId}|${since}`, s.accountId, since, { balanceMinor: s.balanceMinor, thresholdMinor: s.thresholdMinor, currency });
}

/** The page's "send test event": a fresh id each time. */
export function testEvent(accountId: string, at: Date): WebhookEvent {
  return { id: `evt_test_${randomUUID().replace(/-/g, '')}`, type: 'webhook.test', occurredAt: at.toISOString(), accountId, data: { message: 'This is a test event from the conference bridge.' } };
}

/** The JSON text signed and sent. */
export function eventBody(e: WebhookEvent): string {
  return JSON.stringify({ id: e.id, type: e.type, occurredAt: e.occurredAt, accountId: e.accountId, data: e.data });
}
