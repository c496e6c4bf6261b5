// The `*` menu (SPEC §3): the menu prompt (a key cuts it short), then the
// next key picks a command; no key within the menu timeout returns to the
// room. Chair-only keys pressed by a guest get "this key is for the chair".
import type { CommandContext, StarCommand } from './commands/command.ts';
import { operator } from './commands/operator.ts';
import { muteSelf } from './commands/mute-self.ts';
import { lock } from './commands/lock.ts';
import { removeLast } from './commands/remove-last.ts';
import { count } from './commands/count.ts';
import { muteAll } from './commands/mute-all.ts';
import { invite } from './commands/invite.ts';
import { record } from './commands/record.ts';
import { back } from './commands/back.ts';

export const STAR_COMMANDS: readonly StarCommand[] = [operator, muteSelf, lock, removeLast, count, muteAll, invite, record, back];
const BY_KEY = new Map(STAR_COMMANDS.map((c) => [c.key, c]));

/** Runs one `*` menu for the participant (the `*` has been read). */
export async function starMenu(c: CommandContext): Promise<void> {
  const { p, svc } = c;
  await p.ctx.play(['menu']);
  const key = await p.ctx.keys.next(svc.config.menuTimeoutMs);
  if (key === undefined || p.ctx.ended) return;
  await runKey(c, key);
}

/** Dispatches the key that followed `*`. */
export async function runKey(c: CommandContext, key: string): Promise<void> {
  const { p, room } = c;
  const cmd = BY_KEY.get(key);
  if (!cmd) { await p.ctx.play(['invalid-key']); return; }
  if (cmd.chairOnly && p.role !== 'chair') {
    p.ctx.log.info({ key, command: cmd.name }, 'chair-only key refused');
    await p.ctx.play(['chair-only']);
    return;
  }
  p.ctx.log.info({ key, command: cmd.name }, 'star command');
  room.event('dtmf_command', p.id, { key: `*${key}`, command: cmd.name });
  try {
    await cmd.run(c);
  } catch (err) {
    if (!p.ctx.ended) p.ctx.log.error({ err, command: cmd.name }, 'star command failed');
  }
}
