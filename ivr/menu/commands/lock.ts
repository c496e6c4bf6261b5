// *2 (chair): lock / unlock the meeting — a locked room refuses new guests.
import type { StarCommand } from './command.ts';

export const lock: StarCommand = {
  key: '2', name: 'lock', chairOnly: true,
  async run({ p, room }) {
    const locked = await room.toggleLock(p);
    await p.ctx.play([locked ? 'meeting-now-locked' : 'meeting-now-unlocked']);
  },
};
