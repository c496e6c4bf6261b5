// What flows and commands share: the engine, the repositories, CDRs, the
// dialer, the live rooms, the PIN lockout, the clock and the settings.
import type { CallLeg, Engine } from '../bridge/port.ts';
import type { Logger } from '../common/log.ts';
import type { Repositories } from '../core/repositories.ts';
import type { CallRecords } from './call-records.ts';
import type { IvrConfig } from './config.ts';
import type { Dialer } from './dialer.ts';
import type { PromptLang } from './prompts/catalog.ts';
import type { LiveRoom } from './room/live-room.ts';
import type { PinLockout } from './room/pin-lockout.ts';
import type { RoomRegistry } from './room/registry.ts';

export interface IvrServices {
  engine: Engine;
  repos: Repositories;
  records: CallRecords;
  config: IvrConfig;
  dialer: Dialer;
  rooms: RoomRegistry;
  lockout: PinLockout;
  now: () => Date;
  log: Logger;
  /**
   * Brings a leg the bridge called (invitee, multi-party party) into a room as
   * a guest and runs its star-code loop until it hangs up. Resolves once it
   * has joined (true) or was refused (false: the room is full; the leg is hung up).
   */
  joinCalled(room: LiveRoom, leg: CallLeg, cdrId: string, lang: PromptLang): Promise<boolean>;
}
