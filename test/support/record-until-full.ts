// Run by test/unit/recording-write-error.test.ts under `prlimit --fsize=N`
// (a file-size limit: writes past it fail with EFBIG — Node ignores
// SIGXFSZ — as they would on a full disk): a media worker's conference
// records its mix into argv[2], ticking at 20 ms, until the recording fails
// or 5 s pass. Prints one JSON line: the events, ticks after the failure,
// and whether the mixer kept running.
import { WorkerConference } from '../../bridge/embedded/media/worker/worker-conference.ts';
import type { MediaEvent } from '../../bridge/embedded/media/protocol.ts';

const path = process.argv[2]!;
const events: MediaEvent[] = [];
const conf = new WorkerConference('conf-full', { maxTalkers: 4, joinLeaveTones: false }, (ev) => events.push(ev));
await conf.startRecording(path);
let tick = 0;
let ticksAfter = 0;
const deadline = Date.now() + 5000;
while (Date.now() < deadline && ticksAfter < 50) {
  conf.tick(tick * 20, tick);
  tick++;
  if (events.some((e) => e.event === 'recordFailed')) ticksAfter++;
  await new Promise((resolve) => setTimeout(resolve, 2));
}
const stopped = await conf.stopRecording(); // null: the failure already stopped it
process.stdout.write(JSON.stringify({ events, ticks: tick, ticksAfter, stopped }) + '\n');
