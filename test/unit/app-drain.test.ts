// The drain's sequence (app/drain.ts) on stand-in hooks, in real (short)
// time: the first signal refuses new calls and waits; the last call ending
// stops at once; the drain time ends every meeting, then stops; a second
// signal stops at once, even while the goodbyes play; a stop step failing
// exits 1; a role without calls stops at once; the gauge reads 1 from the
// first signal. (On the wire, with the product's process: test/wire/drain.test.ts.)
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Drain, type DrainHooks } from '../../app/drain.ts';
import { moduleLogger } from '../../common/log.ts';
import { registry } from '../../common/metrics.ts';

const log = moduleLogger('drain-test');

class Calls implements DrainHooks {
  refused = 0;
  calls = 2;
  rooms = 1;
  endedWith: string[] = [];
  endAllMs = 0;
  refuseNew(): void { this.refused++; }
  left(): { calls: number; rooms: number } { return { calls: this.calls, rooms: this.rooms }; }
  async endAll(reason: string): Promise<void> {
    this.endedWith.push(reason);
    await new Promise((r) => setTimeout(r, this.endAllMs));
    this.calls = 0;
    this.rooms = 0;
  }
}

function drainWith(hooks: DrainHooks | undefined, seconds: number, stop: () => Promise<void> = async () => undefined) {
  const stops: number[] = [];
  const d = new Drain({ seconds, hooks, log, pollMs: 20, progressEveryMs: 50, stop: async () => { stops.push(Date.now()); await stop(); } });
  return { d, stops };
}

async function drainingGauge(): Promise<number> {
  const m = await registry.getSingleMetric('bridge_draining')!.get();
  return m.values[0]!.value;
}

describe('drain on SIGTERM', () => {
  it('the first signal refuses new calls and waits; the last call ending stops at once with 0', async () => {
    const calls = new Calls();
    const { d, stops } = drainWith(calls, 60);
    d.signal('SIGTERM');
    assert.equal(calls.refused, 1);
    assert.equal(d.isDraining, true);
    assert.equal(await drainingGauge(), 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(stops.length, 0, 'calls up: no stop yet');
    const lastLeft = Date.now();
    calls.calls = 0;
    calls.rooms = 0;
    assert.equal(await d.exitCode, 0);
    assert.equal(stops.length, 1);
    assert.ok(stops[0]! - lastLeft < 500, `stopped ${stops[0]! - lastLeft} ms after the last call`);
    assert.deepEqual(calls.endedWith, [], 'no goodbye needed');
  });

  it('at the drain time every meeting ends (goodbye), then the stop; exit 0', async () => {
    const calls = new Calls();
    calls.endAllMs = 100;
    const { d, stops } = drainWith(calls, 0.3);
    const t0 = Date.now();
    d.signal('SIGTERM');
    assert.equal(await d.exitCode, 0);
    assert.deepEqual(calls.endedWith, ['drain']);
    assert.ok(stops[0]! - t0 >= 300 + 100 - 20, `stopped ${stops[0]! - t0} ms after the signal: after the drain time and the goodbyes`);
  });

  it('a second signal stops at once, also while the goodbyes play; a third is ignored', async () => {
    const calls = new Calls();
    const { d, stops } = drainWith(calls, 60);
    d.signal('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const second = Date.now();
    d.signal('SIGTERM');
    d.signal('SIGINT');
    assert.equal(await d.exitCode, 0);
    assert.equal(stops.length, 1);
    assert.ok(stops[0]! - second < 100);

    const slow = new Calls();
    slow.endAllMs = 2000;
    const s = drainWith(slow, 0.1);
    s.d.signal('SIGTERM');
    await new Promise((r) => setTimeout(r, 250)); // the goodbyes are playing
    assert.deepEqual(slow.endedWith, ['drain']);
    const forced = Date.now();
    s.d.signal('SIGTERM');
    assert.equal(await s.d.exitCode, 0);
    assert.ok(s.stops[0]! - forced < 100, 'the second signal did not wait for the goodbyes');
    assert.equal(s.stops.length, 1, 'one stop, even when the goodbyes finish later');
  });

  it('a stop step that fails exits 1', async () => {
    const calls = new Calls();
    calls.calls = 0;
    calls.rooms = 0;
    const { d } = drainWith(calls, 60, async () => { throw new Error('database gone'); });
    d.signal('SIGTERM');
    assert.equal(await d.exitCode, 1);
  });

  it('a role without calls (web) stops at once', async () => {
    const { d, stops } = drainWith(undefined, 3600);
    d.signal('SIGINT');
    assert.equal(await d.exitCode, 0);
    assert.equal(stops.length, 1);
  });
});
