// One live room's typed events (ivr/room/live-room-types.ts) as the live
// seam's events (core/live/messages.ts): `started` when it opens, then
// joined, left, participant, talking, quality (batched), locked, all-muted,
// recording, warning, extended, limit, help (with its alert), ended.
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { LiveRoom } from '../room/live-room.ts';
import { HelpAlerts } from './help-alerts.ts';
import { liveParticipant } from './live-view.ts';
import { QualityBatch } from './quality-batch.ts';

export interface RoomFeedDeps {
  repos: Pick<Repositories, 'alerts'>;
  now: () => Date;
  clock: Clock;
  log: Logger;
  /** Quality events of one conference at most this often. */
  qualityIntervalMs: number;
  emit: (e: LiveEvent) => void;
}

/** Feeds `room`'s events to `d.emit` until it ends. */
export function feedRoom(room: LiveRoom, d: RoomFeedDeps): void {
  const on = () => ({ conferenceId: room.conferenceId, accountId: room.account.id, at: d.now().toISOString() });
  const emit = d.emit;
  const quality = new QualityBatch(d.clock, d.qualityIntervalMs, (items) => emit({ type: 'quality', ...on(), items }));
  const help = new HelpAlerts(room, d);
  emit({ type: 'started', ...on(), roomNumber: room.number, roomName: room.room.name });
  room.on('joined', (v) => emit({ type: 'joined', ...on(), participant: liveParticipant(v) }));
  room.on('left', (v, reason) => { quality.forget(v.id); emit({ type: 'left', ...on(), participantId: v.id, reason }); });
  room.on('changed', (v, by) => emit({ type: 'participant', ...on(), participant: liveParticipant(v), by }));
  room.on('talking', (v, talking) => emit({ type: 'talking', ...on(), participantId: v.id, talking }));
  room.on('quality', (v) => { if (v.quality) quality.add(v.id, v.quality); });
  room.on('locked', (locked, by) => emit({ type: 'locked', ...on(), locked, by }));
  room.on('all-muted', (muted, by) => emit({ type: 'all-muted', ...on(), muted, by }));
  room.on('recording', (isOn, _path, by, failure) => emit({ type: 'recording', ...on(), on: isOn, by, ...(failure ? { failure } : {}) }));
  room.on('warning', (minutesLeft) => emit({ type: 'warning', ...on(), minutesLeft }));
  room.on('extended', (minutes, by) => emit({ type: 'extended', ...on(), minutes, closesAt: room.windowClosesAt.toISOString(), by }));
  room.on('limit', (max, by) => emit({ type: 'limit', ...on(), max, by }));
  room.on('help-requested', (v) => help.requested(v));
  room.on('help-done', (v) => help.done(v));
  room.once('ended', (reason) => {
    quality.stop();
    emit({ type: 'ended', ...on(), reason });
  });
}
