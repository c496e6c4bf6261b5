// The SDP of the gateway's SIP leg to the bridge (RFC 3264): our offer of
// G722/8000 (pt 9) first when we have the codec, then PCMU (0), and
// telephone-event/101, plain RTP; and the bridge's answer read back.
import { SipError } from '../../common/errors.ts';
import {
  DEFAULT_TE_PT, audioSection, codecOf, connectionAddress, directionOf, isPlainRtpAudio, parseSdp, payloadList, write,
} from '../sip/sdp/session-description.ts';
import type { LocalMedia, MediaDirection } from '../sip/sdp/types.ts';
import type { LegCodecName } from './voice-codec.ts';

const STATIC_PT: Record<LegCodecName, number> = { G722: 9, PCMU: 0 };

export interface LegOfferOptions {
  address: string;
  port: number;
  /** In order of preference. */
  codecs: LegCodecName[];
  /** sendrecv for a participant, recvonly for a listen-in leg. */
  direction: MediaDirection;
}

/** What the bridge's answer settled. */
export interface LegAnswer {
  codec: LegCodecName;
  payloadType: number;
  remoteAddress: string;
  remotePort: number;
  direction: MediaDirection;
}

export function createLegOffer(o: LegOfferOptions): string {
  const local: LocalMedia = {
    address: o.address, port: o.port, codecs: [], telephoneEvent: true, ptime: 20,
    sessionId: String(Date.now()), sessionVersion: 1, direction: o.direction,
  };
  const codecs = o.codecs.map((name) => ({ pt: STATIC_PT[name], name }));
  return write(local, [audioSection(local, codecs, DEFAULT_TE_PT, o.direction)]);
}

/**
 * The first plain RTP audio stream of the answer and the first of our codecs
 * it lists. Throws SipError(488) when it accepts none, SipError(400) when it
 * is not SDP.
 */
export function readLegAnswer(sdp: string, offered: LegCodecName[]): LegAnswer {
  const s = parseSdp(sdp);
  for (const m of s.media) {
    if (!isPlainRtpAudio(m)) continue;
    const address = connectionAddress(s, m);
    if (!address) continue;
    for (const pt of payloadList(m)) {
      const c = codecOf(m, pt) ?? (pt === 9 ? { name: 'G722', rate: 8000 } : undefined);
      const name = c?.name as LegCodecName | undefined;
      if (name && offered.includes(name) && c!.rate === 8000) {
        return { codec: name, payloadType: pt, remoteAddress: address, remotePort: m.port, direction: directionOf(s, m) };
      }
    }
  }
  throw new SipError(488, 'the bridge accepted none of the offered codecs');
}
