// Which flow an incoming call gets, by the dialled number (the Request-URI
// user): a meeting access number (dial-in), the multi-party access number, a
// room number (SIP URI dial-in `sip:ROOM@bridge`), or none (404).
import type { Repositories } from '../../core/repositories.ts';
import type { AccessNumber } from '../../core/telephony/store.ts';

export type Route =
  | { kind: 'meeting'; accessNumber: AccessNumber }
  | { kind: 'multi_party'; accessNumber: AccessNumber }
  | { kind: 'room'; roomNumber: string }
  | { kind: 'unknown' };

export async function routeOf(repos: Pick<Repositories, 'accessNumbers' | 'rooms'>, dialled: string): Promise<Route> {
  const an = await repos.accessNumbers.findByNumber(dialled);
  if (an?.enabled) return an.kind === 'multi_party' ? { kind: 'multi_party', accessNumber: an } : { kind: 'meeting', accessNumber: an };
  if (/^[0-9]{4,12}$/.test(dialled) && await repos.rooms.findByNumber(dialled)) return { kind: 'room', roomNumber: dialled };
  return { kind: 'unknown' };
}
