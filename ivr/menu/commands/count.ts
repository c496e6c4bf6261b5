// *4: hear the number of participants.
import type { StarCommand } from './command.ts';

export const count: StarCommand = {
  key: '4', name: 'count', chairOnly: false,
  async run({ p, room }) {
    await p.ctx.play(room.countPrompt(p.ctx.lang));
  },
};
