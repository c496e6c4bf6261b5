// *3 (chair): remove the participant who joined last, never the one pressing.
import type { StarCommand } from './command.ts';

export const removeLast: StarCommand = {
  key: '3', name: 'remove-last', chairOnly: true,
  async run({ p, room }) {
    const removed = await room.removeLast(p);
    await p.ctx.play([removed ? 'participant-removed' : 'no-one-to-remove']);
  },
};
