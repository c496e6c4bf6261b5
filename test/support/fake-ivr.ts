// The IVR on the fake engine (bridge/fake/), for the tests in test/ivr/: no
// sockets, no real waiting. Per test file, an in-memory PGlite database with
// the demo data and a CDR recorder on a temporary journal (FakeIvrDb); per
// test, a fresh fake clock, fake engine and IVR on it (FakeIvr). The
// repositories the IVR gets count their queries in flight, so that the fake
// clock moves on only when the IVR is waiting for time, not for the database.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { FakeClock } from '../../bridge/fake/clock.ts';
import { FakeEngine } from '../../bridge/fake/engine.ts';
import type { FakeIncomingCall } from '../../bridge/fake/incoming-call.ts';
import type { FakeCallLeg } from '../../bridge/fake/leg.ts';
import { CallerScript } from '../../bridge/fake/script.ts';
import { CdrRecorder } from '../../core/cdr/recorder.ts';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import type { NewRoom, Room } from '../../core/rooms/store.ts';
import { DEMO, seedDemo, type SeedResult } from '../../core/seed.ts';
import type { CallSummary } from '../../ivr/flows/incoming-call.ts';
import { createIvr, type Ivr, type IvrDeps } from '../../ivr/ivr.ts';
import type { LiveRoom } from '../../ivr/room/live-room.ts';
import type { IvrSettings } from '../../ivr/services/config.ts';
import { outgoingCdrs, readCdr, type CdrRow } from './cdr-rows.ts';

/** What a leg heard, as `<language folder>/<prompt>` ("en/enter-pin"; tones and silences by name). */
export function said(leg: FakeCallLeg): string[] {
  return leg.heard.map((h) => (h.folder ? `${h.folder}/${h.name}` : h.name));
}

/** The prompts `leg` hears from now on: take it, act, then read `.heard`. */
export function since(leg: FakeCallLeg): { readonly heard: string[] } {
  const from = leg.heard.length;
  return { get heard() { return leg.prompts.slice(from); } };
}

/** Repositories whose every call is counted while its promise is pending. */
function counted(repos: Repositories, inFlight: { n: number }): Repositories {
  const wrap = <T extends object>(store: T): T => new Proxy(store, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r: unknown = v.apply(target, args);
        if (r instanceof Promise) {
          inFlight.n++;
          const done = () => { inFlight.n--; };
          r.then(done, done);
        }
        return r;
      };
    },
  });
  return Object.fromEntries(Object.entries(repos).map(([k, store]) => [k, wrap(store as object)])) as unknown as Repositories;
}

/** The database side of one test file: demo data, repositories, CDR recorder. */
export class FakeIvrDb {
  readonly inFlight = { n: 0 };
  readonly repos: Repositories;

  private constructor(readonly db: Knex, readonly seed: SeedResult, readonly cdrs: CdrRecorder, readonly dir: string, raw: Repositories) {
    this.repos = counted(raw, this.inFlight);
  }

  static async open(): Promise<FakeIvrDb> {
    // The CDR journal fsyncs every append: on tmpfs that costs nothing.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ivr-fake-'));
    const db = await openDatabase({ inMemory: true });
    const seed = await seedDemo(db, { now: new Date() });
    const raw = createRepositories(db, { defaultRegion: 'CN' });
    const cdrs = CdrRecorder.start({ journalPath: join(dir, 'cdr.jsonl'), sink: raw.cdrs, nodeId: 'test' });
    const base = new FakeIvrDb(db, seed, cdrs, dir, raw);
    await base.warmUp();
    return base;
  }

  /**
   * One call into the demo room and out: the first run of the IVR's code and
   * of the database's statements costs several times a later one, and that
   * belongs to the file's set-up, not to its first test.
   */
  private async warmUp(): Promise<void> {
    const t = FakeIvr.start(this);
    const leg = await t.enter('warm-up', DEMO.room.number, DEMO.room.guestPin);
    leg.remoteHangup();
    await t.run(() => t.calls.length === 1, 'the warm-up call to end');
    await t.close();
    await this.cdrs.flush(10_000);
  }

  cdr(id: string): Promise<CdrRow> { return readCdr(this.db, this.cdrs, id); }

  outgoing(callee: string): Promise<CdrRow[]> { return outgoingCdrs(this.db, this.cdrs, callee); }

  async close(): Promise<void> {
    await this.cdrs.stop({ flushTimeoutMs: 5000 });
    await this.db.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Each test's clock starts where the last one stopped (or now), so database times never run backwards. */
let lastEnd = 0;

/** One test's fake clock, fake engine and IVR. */
export class FakeIvr {
  readonly calls: CallSummary[] = [];

  private constructor(readonly base: FakeIvrDb, readonly clock: FakeClock, readonly engine: FakeEngine, readonly ivr: Ivr) {
    ivr.events.on('call-ended', (s) => this.calls.push(s));
  }

  /** Fake calls come from 127.0.0.1 unless told otherwise: the carrier's address, so the PIN lockout counts them by number. */
  static start(base: FakeIvrDb, config: IvrSettings = {}, extra: Pick<IvrDeps, 'joinTokens'> = {}): FakeIvr {
    const clock = new FakeClock({ start: new Date(Math.max(Date.now(), lastEnd + 1000)), busy: () => base.inFlight.n > 0,
      // Ending hundreds of calls at close writes as many CDRs: on a loaded 2-core machine that took more than the default 5 s.
      settleTimeoutMs: 20_000 });
    const engine = new FakeEngine({ clock });
    const ivr = createIvr({
      engine, repos: base.repos, cdrs: base.cdrs, nodeId: 'test', now: () => clock.date(), clock, ...extra,
      config: { recordingsDir: join(base.dir, 'recordings'), callerId: '4008001000', ...config, pinLockout: { carrierAddresses: ['127.0.0.1'], ...config.pinLockout } },
    });
    engine.onIncoming((call) => ivr.handle(call));
    return new FakeIvr(base, clock, engine, ivr);
  }

  /** A call from `from` to `to` (sent from `sourceAddress`, 127.0.0.1 by default); the caller follows `script`. */
  call(from: string, to: string, script: CallerScript = new CallerScript(), sourceAddress?: string): FakeIncomingCall {
    return this.engine.call({ from, to, script, sourceAddress });
  }

  /** Runs the fake world until `done()` (at most `withinMs` of fake time). */
  run(done: () => boolean, what: string, withinMs = 600_000): Promise<void> {
    return this.clock.runUntil(done, { what, withinMs });
  }

  /** Runs the fake world until `p` settles (a command that plays a prompt needs fake time); its value or its error. */
  async drive<T>(p: Promise<T>, what: string, withinMs = 600_000): Promise<T> {
    let settled = false;
    const watched = p.finally(() => { settled = true; });
    watched.catch(() => undefined);
    await this.run(() => settled, what, withinMs);
    return watched;
  }

  /** Runs until the IVR has finished with `call`; its summary. */
  async ended(call: FakeIncomingCall, withinMs = 600_000): Promise<CallSummary> {
    await this.run(() => this.calls.some((s) => s.callId === call.callId), `the end of ${call.from}'s call`, withinMs);
    return this.calls.find((s) => s.callId === call.callId)!;
  }

  /** Runs until the caller is in `room` (in the mix, not away); its leg. */
  async inRoom(call: FakeIncomingCall, room: string, withinMs = 120_000): Promise<FakeCallLeg> {
    await this.run(() => this.live(room)?.list().some((v) => v.id === call.leg?.id && v.away === null) ?? false, `${call.from} in room ${room}`, withinMs);
    return call.leg!;
  }

  /** Types `keys` on `leg` and runs until `done()`. */
  async press(leg: FakeCallLeg, keys: string, done: () => boolean, what: string): Promise<void> {
    leg.press(keys);
    await this.run(done, what);
  }

  /** Dials the English access number, types room and PIN; resolves once in the room. */
  async enter(from: string, room: string, pin: string): Promise<FakeCallLeg> {
    const call = this.call(from, '4008001000', new CallerScript().onPrompt('enter-room', `${room}#`).onPrompt('enter-pin', `${pin}#`));
    return this.inRoom(call, room);
  }

  /** A room of the demo account (chair PIN 4321, guest PIN 8765), open from now for an hour unless `extra` says otherwise. */
  room(number: string, extra: Partial<NewRoom> = {}): Promise<Room> {
    const { repos, seed } = this.base;
    return repos.rooms.create(seed.accountId, { name: `room ${number}`, number, chairPin: '4321', guestPin: '8765', ...extra }, { now: this.clock.date() });
  }

  live(room: string): LiveRoom | undefined { return this.ivr.rooms.byNumber(room); }

  /** The participant view of a leg in a room. */
  view(room: string, leg: FakeCallLeg) {
    return this.live(room)?.list().find((v) => v.id === leg.id);
  }

  /** Ends the IVR and every call; the next test's clock starts after this one's. */
  /** Ends the IVR; the test's CDRs are in the database (rated and charged) when it resolves, so the next test starts clean. */
  async close(): Promise<void> {
    await this.ivr.close();
    await this.engine.close();
    await this.clock.settle();
    lastEnd = this.clock.date().getTime();
    await this.base.cdrs.flush(10_000);
  }
}
