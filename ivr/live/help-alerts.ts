// `*0` help requests of one room as live alerts (core/alerts): raised when a
// participant leaves the mix for the operator, resolved when they are back
// in the mix or gone. The `help` events carry the alert's id, so they wait
// for the row; a failed write is logged and the event goes out with a null
// id — the call never waits for the database.
import type { Logger } from '../../common/log.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { ParticipantView } from '../room/participant.ts';

export interface HelpAlertsDeps {
  repos: Pick<Repositories, 'alerts'>;
  now: () => Date;
  log: Logger;
  emit: (e: LiveEvent) => void;
}

export class HelpAlerts {
  /** Participant → the id of their open help alert (once written). */
  private readonly open = new Map<string, Promise<string | null>>();

  constructor(private readonly room: LiveRoom, private readonly d: HelpAlertsDeps) {}

  requested(v: ParticipantView): void {
    const { room, d } = this;
    const raising = d.repos.alerts.raise(room.account.id, {
      roomId: room.room.id, roomNumber: room.number, conferenceId: room.conferenceId, kind: 'help', participantId: v.id,
      data: { number: v.number, name: v.displayName }, at: d.now(),
    }).then((a) => a.id, (err: unknown) => { d.log.error({ err, leg: v.id }, 'raising the help alert failed'); return null; });
    this.open.set(v.id, raising);
    void raising.then((alertId) => this.tell(v.id, true, alertId));
  }

  done(v: ParticipantView): void {
    const raising = this.open.get(v.id);
    if (!raising) return;
    this.open.delete(v.id);
    const { room, d } = this;
    void raising.then(async (alertId) => {
      await d.repos.alerts.resolveHelp(room.account.id, room.conferenceId, v.id, d.now())
        .catch((err: unknown) => d.log.error({ err, leg: v.id }, 'resolving the help alert failed'));
      this.tell(v.id, false, alertId);
    });
  }

  private tell(participantId: string, requested: boolean, alertId: string | null): void {
    const { room, d } = this;
    d.emit({ type: 'help', conferenceId: room.conferenceId, accountId: room.account.id, at: d.now().toISOString(), participantId, requested, alertId });
  }
}
