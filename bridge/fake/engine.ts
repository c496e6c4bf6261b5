// The fake engine: the media port (bridge/port.ts) without a network, for
// tests of what sits above it (the IVR). Calls come in when the test says
// (`call`), callers act on a script (keys at prompts or times, hang-ups),
// calls the bridge places go as planned (`onDial`: answer, busy, no answer,
// rejected, a failure cause), and everything runs on a fake clock, so a
// flow with ten-second timeouts takes milliseconds. It keeps what happened:
// the calls, the legs and what each heard, the calls placed, the conferences
// with their joins, mutes and prompts.
//
//   const clock = new FakeClock();
//   const engine = new FakeEngine({ clock });
//   engine.onIncoming((call) => ivr.handle(call));
//   const call = engine.call({ from: '13800138000', to: '4008001000', script: new CallerScript().onPrompt('enter-room', '888888#') });
//   await clock.runUntil(() => call.leg?.ended ?? false);
import { randomUUID } from 'node:crypto';
import { CallFailedError } from '../../common/errors.ts';
import type { CallLeg, Conference, ConferenceOptions, DialTarget, Engine, EngineReadiness, IncomingHandler, OriginateOptions } from '../port.ts';
import { Q850, sipFromQ850 } from '../q850.ts';
import { planFor, type CalleePlan, type Dialled } from './callee.ts';
import type { FakeClock } from './clock.ts';
import { FakeConference } from './conference.ts';
import { FakeIncomingCall } from './incoming-call.ts';
import { FakeCallLeg, type FakeLegInit } from './leg.ts';
import { CallerScript } from './script.ts';

export interface FakeEngineOptions {
  clock: FakeClock;
  /** Ringing without an answer ends after this when the caller gives no timeout (the embedded engine's default, 60 s). */
  noAnswerTimeoutMs?: number;
}

export interface IncomingInit {
  from: string;
  to: string;
  fromDisplayName?: string;
  headers?: Record<string, string>;
  /** The INVITE's source address (default 127.0.0.1). */
  sourceAddress?: string;
  /** What the caller does once answered. */
  script?: CallerScript;
}

const DEFAULT_ANSWER_AFTER_MS = 1000;

export class FakeEngine implements Engine {
  readonly clock: FakeClock;
  readonly calls: FakeIncomingCall[] = [];
  readonly legs: FakeCallLeg[] = [];
  readonly dialled: Dialled[] = [];
  readonly conferences: FakeConference[] = [];
  private handler: IncomingHandler | undefined;
  private readonly plans: Array<{ match: string | RegExp; plan: CalleePlan }> = [];
  private readonly noAnswerTimeoutMs: number;
  private closed = false;
  private refusing = false;

  constructor(opts: FakeEngineOptions) {
    this.clock = opts.clock;
    this.noAnswerTimeoutMs = opts.noAnswerTimeoutMs ?? 60_000;
  }

  async start(): Promise<void> { this.closed = false; }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.legs.map((l) => l.hangup(Q850.NORMAL_CLEARING)));
  }

  async readiness(): Promise<EngineReadiness> { return { engine: this.closed ? 'closed' : true }; }

  onIncoming(handler: IncomingHandler): void { this.handler = handler; }

  /** Draining: new incoming calls are rejected (Q.850 41, SIP 503), originate() fails the same way. */
  refuseNewCalls(): void { this.refusing = true; }
  get draining(): boolean { return this.refusing; }

  /** A call arrives from `from` to `to` and is handed to the application. */
  call(init: IncomingInit): FakeIncomingCall {
    const id = randomUUID();
    const callId = `fake-${id}`;
    const call = new FakeIncomingCall({
      id, callId, from: init.from, to: init.to, fromDisplayName: init.fromDisplayName, headers: init.headers, sourceAddress: init.sourceAddress,
      touch: () => this.clock.touch(),
      answerLeg: () => this.leg({ id, callId, from: init.from, to: init.to, direction: 'in', script: init.script ?? new CallerScript() }),
    });
    this.calls.push(call);
    if (this.closed || this.refusing || !this.handler) call.reject(Q850.TEMPORARY_FAILURE);
    else this.handler(call);
    return call;
  }

  /** How calls placed to a URI containing (or matching) `match` go; the first plan that matches is used. */
  onDial(match: string | RegExp, plan: CalleePlan): this {
    this.plans.push({ match, plan });
    return this;
  }

  createConference(name: string, opts: ConferenceOptions = {}): Conference {
    const c = new FakeConference(name, opts, this.clock);
    this.conferences.push(c);
    return c;
  }

  /** Conferences by name (`room-888888`, `invite-<leg>` …), oldest first. */
  conferencesNamed(name: string): FakeConference[] { return this.conferences.filter((c) => c.name === name); }

  async originate(target: DialTarget, opts: OriginateOptions): Promise<CallLeg> {
    this.clock.touch();
    if (this.refusing) throw new CallFailedError(Q850.TEMPORARY_FAILURE, 503, 'the bridge is draining: no new calls');
    await opts.beforeSend?.();
    if (opts.signal?.aborted) throw new CallFailedError(Q850.NORMAL_CLEARING, 487, 'cancelled before the INVITE left');
    const d: Dialled = { uri: target.uri, from: opts.from.user, at: this.clock.now(), noAnswerTimeoutMs: opts.noAnswerTimeoutMs ?? this.noAnswerTimeoutMs, state: 'calling', ...(opts.auth ? { auth: { ...opts.auth } } : {}) };
    this.dialled.push(d);
    const plan = planFor(this.plans, target.uri);
    if (!plan) {
      d.state = { failed: Q850.NO_ROUTE_DESTINATION };
      throw new CallFailedError(Q850.NO_ROUTE_DESTINATION, undefined, `cannot reach ${target.uri}`);
    }
    return new Promise<CallLeg>((resolve, reject) => {
      const timers = [
        ...(plan.rings ?? true ? [this.clock.setTimer(0, () => { d.state = 'ringing'; opts.onProgress?.('ringing'); })] : []),
        this.clock.setTimer(d.noAnswerTimeoutMs, () => fail(d.state === 'ringing' ? Q850.NO_ANSWER : Q850.NO_USER_RESPONSE, 487, 'no answer')),
        this.clock.setTimer(plan.afterMs ?? DEFAULT_ANSWER_AFTER_MS, () => decide()),
      ];
      const finish = () => {
        for (const t of timers) this.clock.clearTimer(t);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (cause: number, status: number | undefined, why: string) => {
        finish();
        d.state = { failed: cause };
        reject(new CallFailedError(cause, status, why));
      };
      const onAbort = () => { fail(Q850.NORMAL_CLEARING, 487, 'cancelled'); d.state = 'cancelled'; };
      const decide = () => {
        const o = plan.outcome;
        if (o === 'no-answer') return;
        if (o === 'busy') { fail(Q850.USER_BUSY, 486, 'call failed: 486 Busy Here'); return; }
        if (o === 'reject') { fail(Q850.CALL_REJECTED, 603, 'call failed: 603 Decline'); return; }
        if (o !== 'answer') { fail(o.fail, sipFromQ850(o.fail), `call failed: Q.850 ${o.fail}`); return; }
        finish();
        d.state = 'answered';
        d.leg = this.leg({ id: randomUUID(), callId: `fake-out-${randomUUID()}`, from: opts.from.user, to: userOf(target.uri), direction: 'out', script: plan.script ?? new CallerScript() });
        resolve(d.leg);
      };
      if (opts.signal?.aborted) { onAbort(); return; }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private leg(init: Omit<FakeLegInit, 'clock'>): FakeCallLeg {
    const leg = new FakeCallLeg({ ...init, clock: this.clock });
    this.legs.push(leg);
    this.clock.touch();
    return leg;
  }
}

/** The user part of a SIP URI (`sip:USER@host`), or the URI itself. */
function userOf(uri: string): string {
  return /^sips?:([^@;]+)@/i.exec(uri)?.[1] ?? uri;
}
