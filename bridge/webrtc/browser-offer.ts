// Checks a browser's SDP offer before werift sees it: a complete (non-trickle)
// WebRTC audio offer — ICE credentials, a DTLS fingerprint, at least one
// candidate, Opus/48000/2 or PCMU/8000. Anything else is a GatewayError
// (400 not usable SDP, 488 no common codec), never an exception from deep inside.
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { parseSdp } from '../sip/sdp/session-description.ts';
import { GatewayError } from './gateway-error.ts';

export type BrowserCodec = 'opus' | 'PCMU';

export interface BrowserOfferSummary {
  /** The codecs the offer's audio section lists that we take, in its order. */
  codecs: BrowserCodec[];
  /** The direction of the offer's audio section. */
  direction: string;
}

function field<T>(m: MediaDescription, s: SessionDescription, key: 'iceUfrag' | 'icePwd' | 'fingerprint'): T | undefined {
  return (m[key] ?? s[key]) as T | undefined;
}

export function checkBrowserOffer(sdp: unknown): BrowserOfferSummary {
  if (typeof sdp !== 'string' || sdp.length === 0) throw new GatewayError(400, 'the offer is not SDP text');
  let s: SessionDescription;
  try {
    s = parseSdp(sdp);
  } catch (err) {
    throw new GatewayError(400, `bad offer: ${(err as Error).message}`);
  }
  const audio = s.media.find((m) => m.type === 'audio' && Number(m.port) > 0);
  if (!audio) throw new GatewayError(400, 'the offer has no audio section');
  if (!/^UDP\/TLS\/RTP\/SAVPF?$/i.test(String(audio.protocol))) throw new GatewayError(400, `audio protocol ${String(audio.protocol)} is not DTLS-SRTP`);
  if (!field<string>(audio, s, 'iceUfrag') || !field<string>(audio, s, 'icePwd')) throw new GatewayError(400, 'the offer has no ICE credentials');
  if (!field<{ type: string; hash: string }>(audio, s, 'fingerprint')) throw new GatewayError(400, 'the offer has no DTLS fingerprint');
  const candidates = (audio.candidates ?? []).filter((c) => String(c.transport).toLowerCase() === 'udp');
  if (candidates.length === 0) throw new GatewayError(400, 'the offer has no UDP ICE candidate (gather before sending it: no trickle)');
  const codecs: BrowserCodec[] = [];
  for (const r of audio.rtp ?? []) {
    const name = String(r.codec).toLowerCase();
    if (name === 'opus' && Number(r.rate) === 48000 && !codecs.includes('opus')) codecs.push('opus');
    if (name === 'pcmu' && Number(r.rate) === 8000 && !codecs.includes('PCMU')) codecs.push('PCMU');
  }
  if (codecs.length === 0) throw new GatewayError(488, 'the offer has neither Opus/48000 nor PCMU/8000');
  return { codecs, direction: String(audio.direction ?? s.direction ?? 'sendrecv') };
}
