// Capacity: calls up now against the licensed ports, and planned meetings
// whose max participants, added up where they overlap, would overbook them.
import type { Repositories } from '../../core/repositories.ts';
import type { LiveLoad } from '../../core/capacity/store.ts';
import { occurrencesBetween } from '../../core/schedule/room-window.ts';

export interface PlannedOccurrence {
  accountId: string;
  accountName: string;
  roomId: string;
  roomName: string;
  roomNumber: string;
  /** When callers may enter (start − early entry). */
  opensAt: Date;
  start: Date;
  end: Date;
  maxParticipants: number;
  /** Highest sum of max participants of meetings open at once during this one. */
  peak: number;
}

export interface CapacityReport {
  licensedPorts: number;
  live: LiveLoad;
  horizonDays: number;
  /** Occurrences that take part in an overbooked moment. */
  overbooked: PlannedOccurrence[];
  peak: { at: Date | null; ports: number };
}

const DAY = 86_400_000;

export class CapacityService {
  constructor(private readonly repos: Pick<Repositories, 'accounts' | 'rooms' | 'capacity'>, private readonly licensedPorts: number) {}

  async report(now: Date, horizonDays = 14): Promise<CapacityReport> {
    const until = new Date(now.getTime() + horizonDays * DAY);
    const occ: PlannedOccurrence[] = [];
    for (const account of await this.repos.accounts.list()) {
      if (account.frozen) continue;
      for (const room of await this.repos.rooms.list(account.id)) {
        const s = room.schedule;
        const from = new Date(now.getTime() - s.durationMinutes * 60_000);
        for (const o of occurrencesBetween(s, account.timeZone, from, until)) {
          if (o.end.getTime() <= now.getTime()) continue;
          occ.push({
            accountId: account.id, accountName: account.name, roomId: room.id, roomName: room.name, roomNumber: room.number,
            opensAt: new Date(o.start.getTime() - s.earlyEntryMinutes * 60_000), start: o.start, end: o.end, maxParticipants: room.maxParticipants, peak: 0,
          });
        }
      }
    }
    const { overbooked, peak } = findOverbooking(occ, this.licensedPorts, now);
    return { licensedPorts: this.licensedPorts, live: await this.repos.capacity.liveLoad(), horizonDays, overbooked, peak };
  }
}

/** Sweep over opens/ends: every occurrence open while the sum exceeds the ports is overbooked. */
export function findOverbooking(occ: PlannedOccurrence[], ports: number, now: Date): { overbooked: PlannedOccurrence[]; peak: { at: Date | null; ports: number } } {
  const points: Array<{ t: number; delta: number; o: PlannedOccurrence }> = [];
  for (const o of occ) {
    points.push({ t: Math.max(o.opensAt.getTime(), now.getTime()), delta: o.maxParticipants, o });
    points.push({ t: o.end.getTime(), delta: -o.maxParticipants, o });
  }
  points.sort((a, b) => a.t - b.t || a.delta - b.delta); // ends before starts at the same instant
  const open = new Set<PlannedOccurrence>();
  const over = new Set<PlannedOccurrence>();
  let sum = 0;
  let peak = { at: null as Date | null, ports: 0 };
  for (const p of points) {
    sum += p.delta;
    if (p.delta > 0) open.add(p.o); else open.delete(p.o);
    if (sum > peak.ports) peak = { at: new Date(p.t), ports: sum };
    if (p.delta > 0 && sum > ports) {
      for (const o of open) { over.add(o); o.peak = Math.max(o.peak, sum); }
    }
  }
  return { overbooked: [...over].sort((a, b) => a.start.getTime() - b.start.getTime()), peak };
}
