// A star-code command (SPEC §3): the key after `*`, whether only chairs may
// use it, and what it does for the participant who pressed it.
import type { LiveRoom } from '../../room/live-room.ts';
import type { Participant } from '../../room/participant.ts';
import type { IvrServices } from '../../services/ivr-services.ts';

export interface CommandContext {
  p: Participant;
  room: LiveRoom;
  svc: IvrServices;
}

export interface StarCommand {
  key: string;
  /** What the menu calls it (logs, the dtmf_command event). */
  name: string;
  chairOnly: boolean;
  run(c: CommandContext): Promise<void>;
}
