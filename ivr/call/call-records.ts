// One CDR per leg (SPEC §7), through core's CdrRecorder: opened when the call
// starts (INVITE in, or our INVITE out), answered, updated as the IVR learns
// the account, room, conference and role, closed with the Q.850 cause.
import { randomUUID } from 'node:crypto';
import type { CallLeg, Engine, IncomingCall, OriginateOptions } from '../../bridge/port.ts';
import { Q850, type Q850Cause } from '../../bridge/q850.ts';
import { CallFailedError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { LegDirection, LegPatch } from '../../core/cdr/leg.ts';
import type { CdrRecorder } from '../../core/cdr/recorder.ts';

export class CallRecords {
  constructor(private readonly cdrs: CdrRecorder, private readonly now: () => Date, private readonly log: Logger) {}

  /** A call ringing at the bridge (direction 'webrtc': a browser through the gateway; 'relay': a caller another node relays here); the CDR id is the call's (and its leg's) id. */
  incoming(call: IncomingCall, facts: LegPatch = {}, direction: LegDirection = 'in'): string {
    this.cdrs.open({ id: call.id, direction, caller: call.from, callee: call.to, startedAt: this.now(), ...facts });
    return call.id;
  }

  /** The incoming call was answered: close the CDR when the leg ends. */
  answered(cdrId: string, leg: CallLeg): void {
    this.safe(() => this.cdrs.answer(cdrId, leg.answeredAt));
    leg.on('hangup', (info) => this.close(cdrId, info.cause));
    if (leg.ended) this.close(cdrId, Q850.NORMAL_CLEARING);
  }

  update(cdrId: string, patch: LegPatch): void {
    this.safe(() => this.cdrs.update(cdrId, patch));
  }

  close(cdrId: string, cause: Q850Cause): void {
    this.safe(() => this.cdrs.close(cdrId, { at: this.now(), q850: cause }));
  }

  /** Places a call with its CDR; resolves with the answered leg and the CDR id; rejects (CDR closed) on failure. */
  async originate(engine: Engine, uri: string, opts: OriginateOptions, facts: LegPatch & { callee: string }): Promise<{ leg: CallLeg; cdrId: string }> {
    const cdrId = randomUUID();
    const { callee, ...patch } = facts;
    this.cdrs.open({ id: cdrId, direction: 'out', caller: opts.from.user, callee, startedAt: this.now(), ...patch });
    let leg: CallLeg;
    try {
      leg = await engine.originate({ uri }, opts);
    } catch (err) {
      this.close(cdrId, err instanceof CallFailedError ? err.q850 : Q850.TEMPORARY_FAILURE);
      throw err;
    }
    this.answered(cdrId, leg);
    return { leg, cdrId };
  }

  /**
   * Checkpoints every open leg each `intervalMs`, so that a crash loses at
   * most that much of a call's length. Wall time on the real clock, not an
   * IVR timeout.
   */
  checkpointEvery(intervalMs: number): { stop(): void } {
    const timer = setInterval(() => {
      try {
        this.cdrs.checkpointAll(this.now());
      } catch (err) {
        this.log.error({ err }, 'CDR checkpoint failed');
      }
    }, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'CDR update failed');
    }
  }
}
