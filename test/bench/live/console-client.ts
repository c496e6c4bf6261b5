// The web side of the live-console bench, over the JSON API exactly as a page
// uses it (session cookie, CSRF header): log in as the demo owner, create the
// bench's room, find its running conference, read its snapshot, mute and
// unmute a participant.
import { DEMO } from '../../../core/seed.ts';
import { Client } from '../../support/web.ts';

export interface LiveParticipantView { id: string; number: string; muted: boolean; talking: boolean }
export interface LiveSnapshotView { conferenceId: string; roomNumber: string; participants: LiveParticipantView[] }

export class ConsoleClient {
  private constructor(readonly http: Client) {}

  /** A session of the demo account's owner. */
  static async login(webUrl: string): Promise<ConsoleClient> {
    const http = new Client(webUrl);
    const r = await http.login(DEMO.owner.username, DEMO.owner.password);
    if (r.status !== 200) throw new Error(`login as ${DEMO.owner.username}: ${r.status} ${r.text.slice(0, 300)}`);
    return new ConsoleClient(http);
  }

  get cookieHeader(): string { return this.http.cookieHeader; }

  /** A GET, tried once more after a network error (a keep-alive socket the server closed as it was reused). */
  private async get(path: string): Promise<{ status: number; text: string; json: <T>() => T }> {
    try {
      return await this.http.get(path);
    } catch {
      await new Promise((res) => setTimeout(res, 200));
      return this.http.get(path);
    }
  }

  /** A room open now for a day; a bare # admits guests (empty guest PIN). */
  async createRoom(number: string, maxParticipants: number): Promise<void> {
    const r = await this.http.post('/api/rooms', {
      name: `live bench ${number}`, number, chairPin: '4321', guestPin: '', maxParticipants, durationHours: 24,
    });
    if (r.status !== 201) throw new Error(`POST /api/rooms: ${r.status} ${r.text.slice(0, 300)}`);
  }

  /** The running conference of room `number`, polled until it starts (bounded). */
  async conferenceOf(number: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      const r = await this.get('/api/live');
      if (r.status !== 200) throw new Error(`GET /api/live: ${r.status} ${r.text.slice(0, 300)}`);
      const found = r.json<{ conferences: Array<{ conferenceId: string; roomNumber: string }> }>().conferences.find((c) => c.roomNumber === number);
      if (found) return found.conferenceId;
      await new Promise((res) => setTimeout(res, 250));
    }
    throw new Error(`no live conference of room ${number} within ${timeoutMs} ms`);
  }

  async snapshot(conferenceId: string): Promise<LiveSnapshotView> {
    const r = await this.get(`/api/live/${encodeURIComponent(conferenceId)}`);
    if (r.status !== 200) throw new Error(`GET /api/live/${conferenceId}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json<{ snapshot: LiveSnapshotView }>().snapshot;
  }

  /** Waits until the conference has `count` participants or stops growing for `quietMs` (bounded by `timeoutMs`). */
  async waitParticipants(conferenceId: string, count: number, quietMs: number, timeoutMs: number): Promise<LiveSnapshotView> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.snapshot(conferenceId);
    let lastChange = Date.now();
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      if (last.participants.length >= count || Date.now() - lastChange > quietMs) return last;
      await new Promise((res) => setTimeout(res, 500));
      const next = await this.snapshot(conferenceId);
      if (next.participants.length !== last.participants.length) lastChange = Date.now();
      last = next;
    }
    return last;
  }

  /** POST …/mute; the HTTP round trip in ms. */
  async mute(conferenceId: string, participantId: string, muted: boolean): Promise<number> {
    const t0 = performance.now();
    const r = await this.http.post(`/api/live/${encodeURIComponent(conferenceId)}/participants/${encodeURIComponent(participantId)}/mute`, { muted });
    const ms = performance.now() - t0;
    if (r.status !== 200) throw new Error(`mute ${participantId} ${muted}: ${r.status} ${r.text.slice(0, 300)}`);
    return ms;
  }
}
