// *1: mute / unmute yourself — not while listen-only or muted by the chair.
import type { PromptId } from '../../prompts/catalog.ts';
import type { StarCommand } from './command.ts';

const PROMPT: Record<'muted' | 'unmuted' | 'listen-only' | 'chair-muted', PromptId> = {
  muted: 'muted', unmuted: 'unmuted', 'listen-only': 'cannot-unmute-listen-only', 'chair-muted': 'cannot-unmute-chair-muted',
};

export const muteSelf: StarCommand = {
  key: '1', name: 'mute-self', chairOnly: false,
  async run({ p, room }) {
    const result = await room.toggleSelfMute(p);
    await p.ctx.play([PROMPT[result]]);
  },
};
