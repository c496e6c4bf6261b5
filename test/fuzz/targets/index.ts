// Every fuzz target, by name (the long run's rows and the fixture folders).
import type { FuzzTarget } from '../target.ts';
import { contactsCsvTarget } from './contacts-csv.ts';
import { infoDtmfTarget } from './info-dtmf.ts';
import { rtcpTarget } from './rtcp.ts';
import { rtpTarget } from './rtp.ts';
import { sdpTarget } from './sdp.ts';
import { sipTarget } from './sip.ts';
import { srtpTarget } from './srtp.ts';
import { telephoneEventTarget } from './telephone-event.ts';
import { wavTarget } from './wav.ts';

export const TARGETS: readonly FuzzTarget[] = [
  sipTarget, sdpTarget, rtpTarget, rtcpTarget, srtpTarget, telephoneEventTarget, infoDtmfTarget, wavTarget, contactsCsvTarget,
];

export function targetNamed(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new RangeError(`no fuzz target ${name} (${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
