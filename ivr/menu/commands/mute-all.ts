// *5 (chair): mute all / unmute all; chairs stay open.
import type { StarCommand } from './command.ts';

export const muteAll: StarCommand = {
  key: '5', name: 'mute-all', chairOnly: true,
  async run({ p, room }) {
    const muted = await room.toggleMuteAll(p);
    await p.ctx.play([muted ? 'all-muted' : 'all-unmuted']);
  },
};
