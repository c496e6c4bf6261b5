// The demo data `make run` starts with. Idempotent: running it again finds
// what is there by its natural keys and changes nothing, except that the
// demo room is reopened if its 2000-hour window has run out.
import type { Knex } from 'knex';
import { createRepositories, type Repositories } from './repositories.ts';
import type { Room } from './rooms/store.ts';
import { roomWindowAt } from './schedule/room-window.ts';
import type { NewRate } from './telephony/store.ts';
import { moduleLogger } from '../common/log.ts';

const log = moduleLogger('core', { part: 'seed' });

export const DEMO = {
  operator: { username: 'operator', password: 'Operator#2026' },
  owner: { username: 'demo', password: 'Demo#2026' },
  accountName: '演示公司 Demo Co.',
  room: { number: '888888', chairPin: '1234', guestPin: '5678', hours: 2000, maxParticipants: 600 },
  accessNumbers: [
    { number: '4006701018', kind: 'meeting', language: 'zh-CN', description: '会议接入 (普通话)' },
    { number: '4008001000', kind: 'meeting', language: 'en', description: 'Meeting access (English)' },
    { number: '4006766678', kind: 'multi_party', language: 'zh-CN', description: '多方通' },
  ],
  convenerNumber: '13800138000',
  initialBalanceMinor: 100_000, // ¥1000.00
} as const;

export interface SeedResult {
  accountId: string;
  ownerUserId: string;
  operatorUserId: string;
  roomId: string;
  accessNumberIds: Record<string, string>;
}

export async function seedDemo(db: Knex, opts: { now: Date; defaultRegion?: string }): Promise<SeedResult> {
  const repos = createRepositories(db, { defaultRegion: opts.defaultRegion ?? 'CN' });
  const { operatorUserId, accountId, ownerUserId } = await seedLogins(db, repos);
  const accessNumberIds = await seedTelephony(repos);
  const room = await seedRoom(repos, accountId, ownerUserId, opts.now);
  if (!(await repos.conveners.findByNumber('+86' + DEMO.convenerNumber))) {
    await repos.conveners.bind(accountId, { number: DEMO.convenerNumber, userId: ownerUserId, name: 'Demo owner' }, { now: opts.now, defaultRegion: 'CN' });
  }
  await seedContacts(repos, accountId);
  await seedRates(repos, accessNumberIds);
  await seedDialOut(repos, accountId);
  return { accountId, ownerUserId, operatorUserId, roomId: room.id, accessNumberIds };
}

/** The operator, the demo account with its balance, and its owner. */
async function seedLogins(db: Knex, repos: Repositories): Promise<{ operatorUserId: string; accountId: string; ownerUserId: string }> {
  const operator = await db('users').where({ username: DEMO.operator.username }).first('id') as { id: string } | undefined
    ?? await repos.users.create({ accountId: null, role: 'operator', username: DEMO.operator.username, password: DEMO.operator.password, displayName: 'Operator 运营' });

  let accountId = (await db('accounts').where({ name: DEMO.accountName }).first('id') as { id: string } | undefined)?.id;
  if (!accountId) {
    const acc = await repos.accounts.create({ name: DEMO.accountName, tier: 'formal', timeZone: 'Asia/Shanghai' });
    accountId = acc.id;
    await repos.accounts.recharge(acc.id, DEMO.initialBalanceMinor, { operatorUserId: operator.id, note: 'demo balance' });
  }
  const owner = await db('users').where({ username: DEMO.owner.username }).first('id') as { id: string } | undefined
    ?? await repos.users.create({ accountId, role: 'owner', username: DEMO.owner.username, password: DEMO.owner.password, displayName: '演示用户 Demo owner', email: 'demo@example.com' });
  return { operatorUserId: operator.id, accountId, ownerUserId: owner.id };
}

/** The dial plan, the carrier trunk and the access numbers; returns the numbers' ids. */
async function seedTelephony(repos: Repositories): Promise<Record<string, string>> {
  let plan = (await repos.trunks.listDialPlans()).find((p) => p.name === 'china-default');
  plan ??= await repos.trunks.saveDialPlan({
    name: 'china-default', description: 'E.164 → Chinese carrier format',
    rules: [
      { pattern: '^\\+86(1[3-9][0-9]{9})$', replacement: '$1', description: 'mobile: national number' },
      { pattern: '^\\+86([0-9]+)$', replacement: '0$1', description: 'fixed line: trunk prefix 0 + area code' },
      { pattern: '^\\+([0-9]+)$', replacement: '00$1', description: 'international: 00 + country code' },
    ],
  });
  const trunk = (await repos.trunks.list()).find((t) => t.name === 'demo-carrier')
    ?? await repos.trunks.create({ name: 'demo-carrier', host: '127.0.0.1', port: 5080, transport: 'udp', maxConcurrent: 60, maxCallsPerSecond: 10, dialPlanId: plan.id });

  const accessNumberIds: Record<string, string> = {};
  for (const an of DEMO.accessNumbers) {
    const found = await repos.accessNumbers.findByNumber(an.number)
      ?? await repos.accessNumbers.create({ ...an, trunkId: trunk.id });
    accessNumberIds[an.number] = found.id;
  }
  return accessNumberIds;
}

/** The demo room, reopened when its 2000-hour window has run out. */
async function seedRoom(repos: Repositories, accountId: string, ownerUserId: string, now: Date): Promise<Room> {
  let room = await repos.rooms.findByNumber(DEMO.room.number);
  if (!room) {
    room = await repos.rooms.create(accountId, {
      name: '演示会议室 Demo room', number: DEMO.room.number, chairPin: DEMO.room.chairPin, guestPin: DEMO.room.guestPin,
      maxParticipants: DEMO.room.maxParticipants, organizerUserId: ownerUserId, options: { chairRecord: true },
      schedule: { startsAt: now, durationMinutes: DEMO.room.hours * 60, rrule: null, earlyEntryMinutes: 10, autoExtendMinutes: 30 },
    }, { now });
  } else if (roomWindowAt(room.schedule, { now, timeZone: 'Asia/Shanghai' }).state !== 'open') {
    room = await repos.rooms.update(room.accountId, room.id, { schedule: { startsAt: now } });
    log.info({ room: room.number }, 'demo room reopened');
  }
  return room;
}

/** Six contacts in two groups, when the account has no groups yet. */
async function seedContacts(repos: Repositories, accountId: string): Promise<void> {
  if ((await repos.contacts.listGroups(accountId)).length > 0) return;
  const groups = { sales: await repos.contacts.createGroup(accountId, '销售部 Sales'), eng: await repos.contacts.createGroup(accountId, '技术部 Engineering') };
  const people: Array<[string, string, 'sales' | 'eng']> = [
    ['张伟', '13900139001', 'sales'], ['王芳', '13900139002', 'sales'], ['Alice Smith', '+1 650 253 0000', 'sales'],
    ['李娜', '010 6552 9988', 'eng'], ['刘洋', '13900139003', 'eng'], ['Bob Jones', '+44 20 7946 0958', 'eng'],
  ];
  for (const [name, phone, g] of people) {
    const { contact } = await repos.contacts.create(accountId, { name, phone });
    await repos.contacts.addToGroup(accountId, groups[g].id, [contact.id]);
  }
}

/** Dial-in rates per access number, dial-out rates by destination and the browsers' rate; missing ones are added. */
async function seedRates(repos: Repositories, accessNumberIds: Record<string, string>): Promise<void> {
  const rates: NewRate[] = [
    ...DEMO.accessNumbers.map((an) => ({
      direction: 'in' as const, destinationClass: 'access_number' as const, accessNumberId: accessNumberIds[an.number]!,
      perMinuteMinor: 15, incrementS: 60, description: `dial-in ${an.number}`,
    })),
    { direction: 'out', destinationClass: 'domestic_fixed', perMinuteMinor: 10, incrementS: 60, description: 'dial-out domestic fixed' },
    { direction: 'out', destinationClass: 'domestic_mobile', perMinuteMinor: 12, incrementS: 6, description: 'dial-out domestic mobile' },
    { direction: 'out', destinationClass: 'international', prefix: null, perMinuteMinor: 300, incrementS: 60, description: 'international (other)' },
    { direction: 'out', destinationClass: 'international', prefix: '1', perMinuteMinor: 60, incrementS: 60, description: 'USA/Canada' },
    { direction: 'out', destinationClass: 'international', prefix: '44', perMinuteMinor: 80, incrementS: 60, description: 'United Kingdom' },
    { direction: 'out', destinationClass: 'international', prefix: '852', perMinuteMinor: 50, incrementS: 60, description: 'Hong Kong' },
    // A browser's leg through the WebRTC gateway (issue 17): no carrier minute to pay for, a platform price per minute.
    { direction: 'webrtc', destinationClass: 'webrtc', perMinuteMinor: 5, incrementS: 60, description: 'browser (WebRTC)' },
  ];
  const existingRates = await repos.rates.list();
  for (const r of rates) {
    const has = existingRates.some((x) => x.direction === r.direction && x.destinationClass === r.destinationClass
      && x.accessNumberId === (r.accessNumberId ?? null) && x.prefix === (r.prefix ?? null));
    if (!has) await repos.rates.create(r);
  }
}

/**
 * Premium and high-risk prefixes no account may call (the operator edits the
 * list), on the first seeding, when the demo account is also allowed
 * international calls and guests' *6 (in rooms that allow it), as an
 * operator would allow a known customer (new accounts are not).
 */
async function seedDialOut(repos: Repositories, accountId: string): Promise<void> {
  if ((await repos.dialOut.blocked()).length === 0) {
    const blocked: Array<[string, string]> = [
      ['881', 'Global Mobile Satellite System'], ['882', 'International Networks'], ['883', 'International Networks'],
      ['979', 'International Premium Rate Service'], ['4470', 'UK personal numbers (premium)'],
      ['4490', 'UK premium rate'], ['1900', 'US/Canada premium rate'],
    ];
    for (const [prefix, description] of blocked) await repos.dialOut.block(prefix, description);
    await repos.dialOut.setPolicy(accountId, { classes: ['domestic_fixed', 'domestic_mobile', 'international'], guestsMayInvite: true });
  }
}
