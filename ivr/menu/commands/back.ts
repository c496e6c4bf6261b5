// *8: return to the room (leave the menu).
import type { StarCommand } from './command.ts';

export const back: StarCommand = {
  key: '8', name: 'return', chairOnly: false,
  async run({ p }) {
    await p.ctx.play(['returned']);
  },
};
