// The frame of every port conformance file: one describe() per engine of
// engines.ts, with the engine started on the file's port slot and a router
// that hands each incoming call to the handler of its dialled number. An
// engine that is not configured has no tests declared, and each file's
// closing line says plainly which engines it ran against and which it did
// not, and why (never a silent skip, never a pass without a call).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallLeg, DtmfEvent, Engine, HangupInfo, IncomingCall } from '../../../bridge/port.ts';
import { Q850 } from '../../../bridge/q850.ts';
import { waitUntil } from '../../support/ports.ts';
import { engineLine, FACTORIES, notRunReason, type EngineUnderTest, type PortSlot } from '../engines.ts';

export interface RoutedCall {
  call: IncomingCall;
  leg?: CallLeg;
  dtmf: DtmfEvent[];
  hangup?: HangupInfo;
  cancelled: boolean;
  result?: unknown;
  error?: unknown;
  done: boolean;
}

/** What an incoming call to a number gets: answered and handed to `answer`, or refused with a cause. */
export type Route =
  | { answer: (leg: CallLeg, call: IncomingCall) => Promise<unknown>; ring?: boolean }
  | { reject: number; retryAfterS?: number }
  | { ringOnly: true };

/** Incoming calls of one engine, routed by the dialled number (404 for numbers with no route). */
export class CallRouter {
  readonly calls: RoutedCall[] = [];
  private readonly routes = new Map<string, Route>();

  constructor(engine: Engine) {
    engine.onIncoming((call) => this.onIncoming(call));
  }

  route(number: string, r: Route): void { this.routes.set(number, r); }

  to(number: string): RoutedCall[] { return this.calls.filter((c) => c.call.to === number); }

  /** The one call to `number`, once its handler has finished (bounded wait). */
  async finished(number: string, timeoutMs = 15_000): Promise<RoutedCall> {
    await waitUntil(() => this.to(number).some((c) => c.done), timeoutMs, `the call to ${number} to finish`);
    const calls = this.to(number);
    if (calls.length !== 1) throw new Error(`expected one call to ${number}, got ${calls.length}`);
    return calls[0]!;
  }

  private onIncoming(call: IncomingCall): void {
    const c: RoutedCall = { call, dtmf: [], cancelled: false, done: false };
    this.calls.push(c);
    call.onCancel(() => { c.cancelled = true; c.done = true; });
    const r = this.routes.get(call.to);
    if (!r) { call.reject(Q850.UNALLOCATED_NUMBER); c.done = true; return; }
    if ('reject' in r) { call.reject(r.reject, r.retryAfterS !== undefined ? { retryAfterS: r.retryAfterS } : {}); c.done = true; return; }
    call.ring();
    if ('ringOnly' in r) return;
    void call.answer().then(async (leg) => {
      c.leg = leg;
      leg.on('dtmf', (ev) => c.dtmf.push(ev));
      leg.on('hangup', (info) => { c.hangup = info; });
      c.result = await r.answer(leg, call);
    }).catch((err: unknown) => { c.error = err; }).finally(() => { c.done = true; });
  }
}

/**
 * Client ports of a test file (sipp's SIP or media ports), taken one after
 * another; each engine's tests start again from the first (they run one
 * engine after the other). Past the range is an error: a file keeps to its ports.
 */
export class PortRange {
  private next: number;

  constructor(readonly from: number, readonly to: number, readonly step = 1) { this.next = from; }

  take(): number {
    if (this.next > this.to) throw new Error(`no port left in ${this.from}–${this.to}: this file needs a wider range`);
    const port = this.next;
    this.next += this.step;
    return port;
  }

  reset(): void { this.next = this.from; }
}

export interface EngineContext {
  eut: EngineUnderTest;
  router: CallRouter;
}

/**
 * Declares `body` once per engine. `body` gets a getter (the engine starts
 * in before(), after the tests are declared) and the engine's capabilities
 * are known only then: optional parts check them inside the test and say so.
 */
export function forEachEngine(file: string, slot: PortSlot, body: (ctx: () => EngineContext) => void, clientPorts: PortRange[] = []): void {
  const started = new Set<string>();
  const failed = new Map<string, string>();
  after(() => { console.log(`# ${engineLine(file, started, failed)}`); });
  if (FACTORIES.every((f) => notRunReason(f) !== undefined)) {
    test('port conformance runs against at least one engine', () => {
      assert.fail(`no engine runs: ${FACTORIES.map((f) => `${f.name} (${notRunReason(f)})`).join(', ')}`);
    });
  }
  for (const factory of FACTORIES) {
    const reason = notRunReason(factory);
    // Not configured: no test is declared for it (a skipped test would count as a check); the
    // file's closing line says it was not run and why.
    if (reason !== undefined) continue;
    describe(`port conformance on the ${factory.name} engine`, () => {
      let ctx: EngineContext | undefined;
      before(async () => {
        for (const r of clientPorts) r.reset();
        try {
          const eut = await factory.create(slot);
          ctx = { eut, router: new CallRouter(eut.engine) };
          started.add(factory.name);
        } catch (err) {
          failed.set(factory.name, (err as Error).message);
          throw err;
        }
      });
      after(async () => { await ctx?.eut.close(); });
      body(() => {
        if (!ctx) throw new Error(`the ${factory.name} engine did not start`);
        return ctx;
      });
    });
  }
}
