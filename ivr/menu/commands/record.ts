// *7 (chair, when the room's *record* option is on): start / stop recording
// the meeting, announced to the room.
import type { StarCommand } from './command.ts';

export const record: StarCommand = {
  key: '7', name: 'record', chairOnly: true,
  async run({ p, room }) {
    if (!room.room.options.chairRecord) { await p.ctx.play(['recording-not-allowed']); return; }
    await room.toggleRecording(p);
  },
};
