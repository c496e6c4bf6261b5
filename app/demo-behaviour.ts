// What `make run` does with a call until the IVR takes over (a keypad and
// audio-path test): answer any number, play a 1 kHz beep, then play back each
// key the caller presses as its DTMF tone pair; 20 s without a key, or five
// minutes in all, and the bridge hangs up. Keys are logged.
import type { Logger } from '../common/log.ts';
import type { CallLeg, Engine } from '../bridge/port.ts';
import { Q850 } from '../bridge/q850.ts';

const MAX_CALL_MS = 5 * 60_000;
const IDLE_MS = 20_000;
const ROWS: Record<string, number> = { '1': 697, '2': 697, '3': 697, A: 697, '4': 770, '5': 770, '6': 770, B: 770, '7': 852, '8': 852, '9': 852, C: 852, '*': 941, '0': 941, '#': 941, D: 941 };
const COLS: Record<string, number> = { '1': 1209, '4': 1209, '7': 1209, '*': 1209, '2': 1336, '5': 1336, '8': 1336, '0': 1336, '3': 1477, '6': 1477, '9': 1477, '#': 1477, A: 1633, B: 1633, C: 1633, D: 1633 };

export function installDemoBehaviour(engine: Engine, log: Logger): void {
  engine.onIncoming((call) => {
    log.info({ from: call.from, to: call.to, callId: call.callId }, 'incoming call');
    call.ring();
    call.answer().then((leg) => runDemo(leg, log), (err: Error) => log.info({ err: err.message }, 'call not answered'));
  });
}

async function runDemo(leg: CallLeg, log: Logger): Promise<void> {
  const started = Date.now();
  leg.on('hangup', (info) => log.info({ callId: leg.callId, ...info }, 'call ended'));
  leg.on('dtmf', (ev) => log.info({ callId: leg.callId, digit: ev.digit, source: ev.source }, 'key pressed'));
  try {
    await leg.play({ tone: { freqs: [1000], totalMs: 300 } });
    for (let i = 0; i < 10_000 && !leg.ended && Date.now() - started < MAX_CALL_MS; i++) {
      const digit = await leg.collect({ max: 1, firstTimeoutMs: IDLE_MS, interTimeoutMs: IDLE_MS });
      if (leg.ended) return;
      if (digit === '') break;
      await leg.play({ tone: { freqs: [ROWS[digit]!, COLS[digit]!], levelDbfs: -16, totalMs: 200 } });
    }
    await leg.hangup(Q850.NORMAL_CLEARING);
  } catch (err) {
    if (!leg.ended) log.error({ err }, 'demo failed');
  }
}
