// The live seam's commands (core/live/messages.ts LiveCommand) on a live
// room: one handler per command type, each a call of the same LiveRoom
// method the keypad's star-codes use, so both act on one state and show as
// the same events. An unknown participant is NotFoundError('participant').
// The invite commands go to the node's InviteRunner (invites.ts); a host
// without one (no dialer wired) answers them InvalidStateError.
import { InvalidStateError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { LiveActor, LiveCommand, LiveCommandResult, LiveCommandType } from '../../core/live/messages.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { Participant, ParticipantView } from '../room/participant.ts';
import type { InviteRunner } from './invites.ts';
import { liveParticipant } from './live-view.ts';

export interface CommandDeps {
  log: Logger;
  invites: InviteRunner | null;
}

type CommandOf<T extends LiveCommandType> = Extract<LiveCommand, { type: T }>;
type Handler<T extends LiveCommandType> = (room: LiveRoom, c: CommandOf<T>, by: LiveActor, d: CommandDeps) => Promise<LiveCommandResult>;

function participant(room: LiveRoom, id: string): Participant {
  const p = room.get(id);
  if (!p) throw new NotFoundError('participant', id);
  return p;
}

const result = (v: ParticipantView): LiveCommandResult => ({ ok: true, participant: liveParticipant(v) });
const OK: LiveCommandResult = { ok: true };

function runner(d: CommandDeps): InviteRunner {
  if (!d.invites) throw new InvalidStateError('this bridge places no invites');
  return d.invites;
}

const HANDLERS: { [T in LiveCommandType]: Handler<T> } = {
  // A participant muting their own line (a browser's button) is a self-mute; anyone else's is a chair's or the web's.
  mute: async (room, c, by) => result(by.kind === 'participant' && by.participantId === c.participantId
    ? await room.setSelfMuted(participant(room, c.participantId), c.muted)
    : await room.setMuted(participant(room, c.participantId), c.muted, by)),
  remove: async (room, c, by) => { await room.remove(participant(room, c.participantId), by); return OK; },
  role: async (room, c, by) => result(await room.setRole(participant(room, c.participantId), c.role, by)),
  hold: async (room, c, by) => result(await room.setHeld(participant(room, c.participantId), c.held, by)),
  volume: async (room, c, by) => result(await room.setVolume(participant(room, c.participantId), { talkDb: c.talkDb, listenDb: c.listenDb }, by)),
  'mute-all': async (room, c, by) => { await room.setMuteAll(c.muted, by); return OK; },
  lock: async (room, c, by) => { await room.setLocked(c.locked, by); return OK; },
  record: async (room, c, by) => { await room.setRecording(c.on, by); return OK; },
  extend: async (room, c, by) => ({ ok: true, closesAt: (await room.extend(c.minutes, by)).toISOString() }),
  limit: async (room, c, by) => ({ ok: true, max: room.setLimit(c.max, by) }),
  end: async (room, _c, by, { log }) => {
    // The goodbye takes seconds: the command answers once the end has begun; `ended` tells when it is over.
    room.end(`ended_by_${by.kind === 'participant' ? 'chair' : by.kind}`).catch((err: unknown) => log.error({ err, conferenceId: room.conferenceId }, 'ending the meeting failed'));
    return OK;
  },
  invite: async (room, c, by, d) => ({ ok: true, invites: await runner(d).invite(room, c.targets, by) }),
  'invite-cancel': async (room, c, _by, d) => ({ ok: true, invites: [runner(d).cancel(room, c.inviteId)] }),
  'invite-redial': async (room, c, _by, d) => ({ ok: true, invites: [await runner(d).redial(room, c.inviteId)] }),
  'invite-absent': async (room, _c, _by, d) => ({ ok: true, invites: await runner(d).absent(room) }),
};

export function runCommand(room: LiveRoom, command: LiveCommand, by: LiveActor, d: CommandDeps): Promise<LiveCommandResult> {
  const handler = HANDLERS[command.type] as Handler<LiveCommandType>;
  return handler(room, command, by, d);
}
