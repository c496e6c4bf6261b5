// The people and rows the role tests walk: in the demo account an admin, two
// organizers (each with a room, an ended conference, a running one on the
// fake bridge with a participant and an alert, a recording) and a member to
// be frozen; the account's shared rows (template, contact, group, convener).
// `fresh*` make new rows for routes that delete or change what they touch.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../bridge/rtp/wav.ts';
import type { TestWeb } from './web.ts';
import { fakeParticipant, fakeSnapshot, type FakeLiveHost } from './fake-live-host.ts';
import type { MemberRole } from '../../core/users/store.ts';

export const PASSWORD = 'Member#2026';

/** One organizer's rows. */
export interface OwnRows {
  userId: string;
  username: string;
  room: string;
  conference: string;
  liveConference: string;
  alert: string;
  recording: string;
  secrets: string[];
}

export interface RoleFixture {
  account: string;
  ownerId: string;
  admin: { userId: string; username: string };
  o1: OwnRows;
  o2: OwnRows;
  frozen: { userId: string; username: string };
  shared: { template: string; contact: string; group: string; convener: string; member: string };
}

let seq = 0;
let recordingDir: string | undefined;

/** A short real WAV file for a recording row (the audio routes serve it). */
function wavFile(): string {
  recordingDir ??= mkdtempSync(join(tmpdir(), 'roles-rec-'));
  const path = join(recordingDir, `${randomUUID()}.wav`);
  writeFileSync(path, writeWav({ samples: new Int16Array(800) }));
  return path;
}

export async function addMember(w: TestWeb, accountId: string, role: Exclude<MemberRole, 'owner'>, name: string): Promise<{ userId: string; username: string }> {
  const username = `${name}-${++seq}`;
  const u = await w.repos.users.create({ accountId, role, username, password: PASSWORD, displayName: name });
  return { userId: u.id, username };
}

/** A room of `organizerId` with an ended conference, a running one (on `host`) with an alert, and a recording. */
export async function ownRows(w: TestWeb, host: FakeLiveHost, accountId: string, who: { userId: string; username: string }, label: string): Promise<OwnRows> {
  const now = w.clock.now;
  const n = String(7_100_000 + ++seq * 10);
  const room = await w.repos.rooms.create(accountId, { name: `${label} room`, number: n, chairPin: '111222', guestPin: '333444', organizerUserId: who.userId }, { now });
  const conf = (await w.repos.conferences.startOrGet(accountId, { roomId: room.id, at: new Date(now.getTime() - 3_600_000) })).conference;
  await w.repos.conferences.end(accountId, conf.id, { at: new Date(now.getTime() - 1_800_000), reason: 'last_left' });
  const live = (await w.repos.conferences.startOrGet(accountId, { roomId: room.id, at: now })).conference;
  host.add(fakeSnapshot(live.id, accountId, { roomId: room.id, roomName: `${label} room`, participants: [fakeParticipant('p1', { name: `${label} caller` })] }));
  const alert = await w.repos.alerts.raise(accountId, { roomId: room.id, roomNumber: n, conferenceId: live.id, kind: 'help', participantId: 'p1', data: { name: `${label} caller` }, at: now });
  const rec = await w.repos.recordings.create(accountId, { conferenceId: conf.id, path: wavFile(), startedAt: conf.startedAt });
  await w.repos.recordings.finish(accountId, rec.id, { endedAt: new Date(conf.startedAt.getTime() + 60_000), durationMs: 60_000, sizeBytes: 44 });
  return { ...who, room: room.id, conference: conf.id, liveConference: live.id, alert: alert.id, recording: rec.id, secrets: [`${label} room`, n, `${label} caller`] };
}

export async function roleFixture(w: TestWeb, host: FakeLiveHost): Promise<RoleFixture> {
  const acc = w.seed.accountId;
  const now = w.clock.now;
  const admin = await addMember(w, acc, 'admin', 'admin');
  const o1 = await ownRows(w, host, acc, await addMember(w, acc, 'organizer', 'org-one'), 'Organizer One');
  const o2 = await ownRows(w, host, acc, await addMember(w, acc, 'organizer', 'org-two'), 'Organizer Two');
  const frozen = await addMember(w, acc, 'organizer', 'frozen');
  const tplRoom = await w.repos.rooms.create(acc, { name: 'Template source', number: '7099999', chairPin: '111222', guestPin: '333444' }, { now });
  const shared = {
    template: (await w.repos.templates.createFromRoom(acc, tplRoom.id, 'Shared template')).id,
    contact: (await w.repos.contacts.create(acc, { name: 'Shared contact', phone: '13700137100' })).contact.id,
    group: (await w.repos.contacts.createGroup(acc, 'Shared group')).id,
    convener: (await w.repos.conveners.bind(acc, { number: '13700137101', name: 'Shared convener' }, { now, defaultRegion: 'CN' })).id,
    member: (await addMember(w, acc, 'organizer', 'target')).userId,
  };
  return { account: acc, ownerId: w.seed.ownerUserId, admin, o1, o2, frozen, shared };
}
