// A call leg of the FreeSWITCH engine: the caller's SIP dialog on
// drachtio-server (our side of it is here, in node) and its media on a
// FreeSWITCH channel (a drachtio-fsmrf Endpoint). Keys come from both:
// RFC 4733 and in-band from FreeSWITCH's DTMF events, SIP INFO from the
// dialog; all of them land in one DigitBuffer, so collect() and
// interruption work the same for every source and on both engines.
import { statSync } from 'node:fs';
import type Srf from 'drachtio-srf';
import type { Endpoint, EslEvent } from 'drachtio-fsmrf';
import { parse as parseSdp } from 'sdp-transform';
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { DigitBuffer } from '../digit-buffer.ts';
import type {
  CallLeg, CallLegEvents, CollectOptions, DtmfEvent, DtmfSource, HangupInfo, LegStats, PlayResult, PromptRef, Recording, RecordOptions,
} from '../port.ts';
import { Q850, type Q850Cause } from '../q850.ts';
import { DTMF_RELAY, MAX_INFO_DTMF_BODY, formatInfoDtmf, parseInfoDtmf } from '../sip/message/info-dtmf.ts';
import { fsOneFile, fsPlaylist } from './prompts.ts';

/**
 * While a leg is in a conference its channel runs mod_conference, and other
 * applications would wait behind it: prompts to the member go through the
 * conference instead (its member play), set by FsConference on join.
 */
export interface MemberMedia {
  /** Plays to this member only; resolves when it has played or was stopped. */
  play(file: string): Promise<void>;
  stop(): Promise<void>;
}

const DTMF_DIGITS = '0123456789*#ABCD';
/**
 * How often a leg reads its network figures from FreeSWITCH (mediaStats).
 * FreeSWITCH recomputes its loss rate every 5 s from its first packet; the
 * first read comes a second after that.
 */
export const STATS_INTERVAL_MS = 5000;
const STATS_FIRST_MS = 6000;
/** Duration of each key sent (RFC 4733 through FreeSWITCH), and the gap after it. */
const SEND_KEY_MS = 100;
const SEND_GAP_MS = 60;

/** FreeSWITCH's DTMF-Source → the port's. */
function dtmfSource(fs: string | undefined): DtmfSource {
  if (fs === 'INBAND_AUDIO') return 'inband';
  if (fs === 'ENDPOINT') return 'info';
  return 'rfc4733';
}

/** The Q.850 cause of a BYE's Reason header (RFC 3326), if it has one. */
export function reasonCause(reason: string | undefined): Q850Cause | undefined {
  const m = reason ? /(?:^|,)\s*Q\.850\s*;[^,]*?\bcause\s*=\s*(\d{1,3})/i.exec(reason) : null;
  return m ? Number(m[1]) : undefined;
}

/** The first audio codec of an SDP, and whether it carries telephone-event. */
export function sdpAudio(sdp: string): { codec: string | undefined; telephoneEvent: boolean; held: boolean } {
  const parsed = parseSdp(sdp);
  const audio = parsed.media.find((m) => m.type === 'audio');
  if (!audio) return { codec: undefined, telephoneEvent: false, held: false };
  const first = String(audio.payloads ?? '').split(' ')[0];
  const names = new Map((audio.rtp ?? []).map((r) => [String(r.payload), r.codec.toUpperCase()]));
  const codec = first === '0' ? 'PCMU' : first === '8' ? 'PCMA' : first === '9' ? 'G722' : names.get(first ?? '');
  const direction = audio.direction ?? parsed.direction;
  const zeroAddress = (audio.connection?.ip ?? parsed.connection?.ip) === '0.0.0.0';
  return {
    codec,
    telephoneEvent: [...names.values()].includes('TELEPHONE-EVENT'),
    held: direction === 'sendonly' || direction === 'inactive' || zeroAddress,
  };
}

/**
 * FreeSWITCH's SDP with the audio direction written out: it leaves out
 * a=sendrecv (the default, RFC 4566 §6), and some phones — and our tests —
 * read a resumed call from the explicit attribute.
 */
export function explicitDirection(sdp: string): string {
  if (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.test(sdp)) return sdp;
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const body = sdp.endsWith(eol) ? sdp : sdp + eol;
  return `${body}a=sendrecv${eol}`;
}

/**
 * Ends a FreeSWITCH channel now (uuid_kill). drachtio-fsmrf's destroy()
 * queues a "hangup" application behind the one running, and a channel in a
 * conference runs "conference" until it leaves: the hangup would wait for ever.
 */
export async function endChannel(ep: Endpoint, cause = 'NORMAL_CLEARING'): Promise<void> {
  if (!ep.conn) return;
  await Promise.race([
    ep.api('uuid_kill', `${ep.uuid} ${cause}`).catch(() => undefined),
    new Promise((r) => setTimeout(r, 2000).unref()),
  ]);
}

/**
 * Sets a channel up for our use: our keys only (no FreeSWITCH terminators),
 * playlists split by "!", in-band key detection. Done before the caller has
 * our 200 OK, so it is in place when the caller's first packet comes.
 * (Known difference: a key whose RFC 4733 packets are the very first RTP of
 * the call — sent on our 200 OK, before the ACK — is not reported by
 * FreeSWITCH; test/wire/early-keys.test.ts fails on this engine for that.)
 */
export async function prepareChannel(ep: Endpoint, inbandDtmf: boolean): Promise<void> {
  await ep.execute('multiset', 'playback_terminators=none playback_delimiter=! record_sample_rate=8000 RECORD_STEREO=false');
  if (inbandDtmf) await ep.execute('start_dtmf');
}

export interface FsCallLegInit {
  id: string;
  dialog: Srf.Dialog;
  endpoint: Endpoint;
  direction: 'in' | 'out';
  from: string;
  to: string;
  log: Logger;
  /** FreeSWITCH DTMF events that came before the leg existed (keys sent on the 200 OK, before the ACK). */
  earlyDtmf?: FsDtmfEvent[];
}

/** drachtio-fsmrf's 'dtmf' event. */
export interface FsDtmfEvent { dtmf: string; duration?: string; source?: string }

/** Keeps an endpoint's keys until its leg exists; stop() hands them over. */
export function holdEarlyDtmf(ep: Endpoint): { stop(): FsDtmfEvent[] } {
  const early: FsDtmfEvent[] = [];
  const fn = (ev: FsDtmfEvent) => { if (early.length < 64) early.push(ev); };
  ep.on('dtmf', fn);
  return { stop: () => { ep.off('dtmf', fn); return early; } };
}

/** What a running play() or record() waits for from the keys. */
interface MediaOp {
  kind: 'play' | 'record';
  interruptible: boolean;
  terminator?: string;
  stoppedBy?: 'key' | 'terminator' | 'max';
}

export class FsCallLeg extends TypedEmitter<CallLegEvents> implements CallLeg {
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly direction: 'in' | 'out';
  readonly answeredAt = new Date();
  codec: 'PCMU' | 'PCMA';
  readonly endpoint: Endpoint;
  private readonly dialog: Srf.Dialog;
  private readonly log: Logger;
  private readonly digits = new DigitBuffer();
  private readonly endWaiters = new Set<() => void>();
  private telephoneEvent: boolean;
  private held = false;
  private isEnded = false;
  private op: MediaOp | undefined;
  /** Set while the leg is a conference member (FsConference). */
  memberMedia: MemberMedia | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private lastStats = { received: 0, lost: 0 };
  /** Round trip from the far end's RTCP receiver reports (FreeSWITCH's smoothed A − LSR − DLSR), ms. */
  private rttMs: number | undefined;
  /** Serialises FreeSWITCH applications on this channel (one at a time, as the channel runs them). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(init: FsCallLegInit) {
    super();
    this.id = init.id;
    this.dialog = init.dialog;
    this.endpoint = init.endpoint;
    this.callId = init.dialog.sip.callId;
    this.from = init.from;
    this.to = init.to;
    this.direction = init.direction;
    this.log = init.log;
    const remote = sdpAudio(init.dialog.remote.sdp ?? '');
    const local = sdpAudio(init.endpoint.local.sdp ?? '');
    this.codec = local.codec === 'PCMA' ? 'PCMA' : 'PCMU';
    this.telephoneEvent = remote.telephoneEvent && local.telephoneEvent;
    this.held = remote.held;

    const onFsDtmf = (ev: FsDtmfEvent) => {
      const digit = String(ev.dtmf ?? '').toUpperCase();
      if (digit.length !== 1 || !DTMF_DIGITS.includes(digit)) return;
      const samples = Number(ev.duration);
      this.onDigit({ digit, source: dtmfSource(ev.source), ...(Number.isFinite(samples) && samples > 0 ? { durationMs: Math.round(samples / 8) } : {}) });
    };
    this.endpoint.on('dtmf', onFsDtmf);
    for (const ev of init.earlyDtmf ?? []) onFsDtmf(ev);
    // FreeSWITCH's side ended (channel killed, media server gone): the caller is told, cause 41.
    this.endpoint.on('destroy', () => {
      if (this.isEnded) return;
      this.log.warn('media channel ended on FreeSWITCH; ending the call');
      this.dialog.destroy({ headers: { Reason: `Q.850;cause=${Q850.TEMPORARY_FAILURE};text="media server"` } });
      this.end({ by: 'error', cause: Q850.TEMPORARY_FAILURE });
    });
    this.dialog.on('destroy', (bye) => {
      if (this.isEnded) return;
      const cause = reasonCause(bye?.get?.('Reason')) ?? Q850.NORMAL_CLEARING;
      this.end({ by: 'remote', cause });
      void endChannel(this.endpoint);
    });
    this.dialog.on('info', (req, res) => this.onInfo(req, res));
    const conn = this.endpoint.conn;
    if (conn) {
      conn.subscribe(['RECV_RTCP_MESSAGE']);
      conn.on(`esl::event::RECV_RTCP_MESSAGE::${this.endpoint.uuid}`, (evt: EslEvent) => {
        const rtt = Number(evt.getHeader('Rtt0-Avg'));
        if (Number.isFinite(rtt) && rtt > 0 && rtt < 60) this.rttMs = rtt * 1000;
      });
    }
    this.dialog.on('modify', (req, res) => { void this.onModify(req, res); });
    this.statsTimer = setTimeout(() => {
      void this.readStats();
      this.statsTimer = setInterval(() => { void this.readStats(); }, STATS_INTERVAL_MS);
      this.statsTimer.unref();
    }, STATS_FIRST_MS);
    this.statsTimer.unref();
  }

  get ended(): boolean { return this.isEnded; }


  private end(info: HangupInfo): void {
    if (this.isEnded) return;
    this.isEnded = true;
    clearTimeout(this.statsTimer);
    clearInterval(this.statsTimer);
    this.digits.close();
    for (const w of [...this.endWaiters]) w();
    this.log.debug({ by: info.by, cause: info.cause }, 'call ended');
    this.emit('hangup', info);
  }

  private onDigit(ev: DtmfEvent): void {
    if (this.isEnded) return;
    this.digits.push(ev.digit);
    const op = this.op;
    if (op && !op.stoppedBy) {
      if (op.kind === 'play' && op.interruptible) { op.stoppedBy = 'key'; void this.break(); }
      else if (op.kind === 'record' && op.terminator?.includes(ev.digit)) { op.stoppedBy = 'terminator'; void this.break(); }
    }
    this.emit('dtmf', ev);
  }

  private onInfo(req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    res.send(200);
    const body = req.body ?? '';
    if (body.length > MAX_INFO_DTMF_BODY) { this.log.debug({ bytes: body.length }, 'INFO body too long for a key: ignored'); return; }
    const parsed = parseInfoDtmf(req.get('Content-Type'), body);
    if (parsed) this.onDigit({ digit: parsed.digit, source: 'info', durationMs: parsed.durationMs });
  }

  /** A re-INVITE from the caller (hold, resume, new address): FreeSWITCH answers it, we pass the answer back. */
  private async onModify(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    try {
      const answer = await this.endpoint.modify(req.body);
      res.send(200, { body: explicitDirection(answer), headers: { 'Content-Type': 'application/sdp' } });
      const held = sdpAudio(req.body ?? '').held;
      const now = sdpAudio(answer);
      if (now.codec === 'PCMU' || now.codec === 'PCMA') this.codec = now.codec;
      this.telephoneEvent = now.telephoneEvent && sdpAudio(req.body ?? '').telephoneEvent;
      if (held !== this.held) { this.held = held; this.emit('hold', held); }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 're-INVITE refused by FreeSWITCH');
      res.send(488);
    }
  }

  /** Stops what the channel plays or records now. */
  private async break(): Promise<void> {
    if (this.memberMedia && this.op?.kind === 'play') { await this.memberMedia.stop().catch(() => undefined); return; }
    await this.endpoint.api('uuid_break', `${this.endpoint.uuid} all`).catch(() => undefined);
  }

  /** Runs `fn` after the channel's earlier applications; resolves early (undefined) when the call ends. */
  private run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const job = this.queue.then(() => (this.isEnded ? undefined : fn()));
    this.queue = job.catch(() => undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const onEnd = () => resolve(undefined);
      this.endWaiters.add(onEnd);
      job.then(resolve, reject).finally(() => this.endWaiters.delete(onEnd));
    });
  }

  async hangup(cause: Q850Cause = Q850.NORMAL_CLEARING): Promise<void> {
    if (this.isEnded) return;
    this.end({ by: 'local', cause });
    await new Promise<void>((resolve) => {
      this.dialog.destroy({ headers: { Reason: `Q.850;cause=${cause}` } }, () => resolve());
      setTimeout(resolve, 2000).unref();
    });
    await endChannel(this.endpoint);
  }

  collect(opts: CollectOptions): Promise<string> { return this.digits.collect(opts); }

  async play(prompt: PromptRef | PromptRef[], opts: { interruptible?: boolean } = {}): Promise<PlayResult> {
    if (this.isEnded) throw new InvalidStateError('call has ended');
    const list = Array.isArray(prompt) ? prompt : [prompt];
    const interruptible = opts.interruptible ?? false;
    if (interruptible && this.digits.size > 0) return { interrupted: true }; // type-ahead skips an interruptible prompt
    const op: MediaOp = { kind: 'play', interruptible };
    const member = this.memberMedia;
    if (member) {
      const file = fsOneFile(list);
      this.op = op;
      try {
        await new Promise<void>((resolve, reject) => {
          const onEnd = () => resolve();
          this.endWaiters.add(onEnd);
          member.play(file).then(resolve, reject).finally(() => this.endWaiters.delete(onEnd));
        });
      } finally { if (this.op === op) this.op = undefined; }
      return { interrupted: op.stoppedBy === 'key' };
    }
    const playlist = fsPlaylist(list);
    await this.run(async () => {
      this.op = op;
      try { await this.endpoint.execute('playback', playlist); } finally { if (this.op === op) this.op = undefined; }
    });
    return { interrupted: op.stoppedBy === 'key' };
  }

  async record(opts: RecordOptions): Promise<Recording> {
    if (this.isEnded) throw new InvalidStateError('call has ended');
    const op: MediaOp = { kind: 'record', interruptible: false, ...(opts.terminator ? { terminator: opts.terminator } : {}) };
    // FreeSWITCH's own limit is whole seconds: ours ends the recording at maxMs exactly; its limit is a backstop.
    const limitS = Math.ceil(opts.maxMs / 1000) + 1;
    await this.run(async () => {
      this.op = op;
      const timer = setTimeout(() => { if (!op.stoppedBy) { op.stoppedBy = 'max'; void this.break(); } }, opts.maxMs);
      try { await this.endpoint.execute('record', `${opts.path} ${limitS}`); } finally { clearTimeout(timer); if (this.op === op) this.op = undefined; }
    });
    if (op.stoppedBy === 'terminator' && opts.terminator) this.digits.takeFirstOf(opts.terminator);
    const endedBy = op.stoppedBy === 'terminator' ? 'terminator' : this.isEnded && op.stoppedBy !== 'max' ? 'hangup' : 'max';
    // A hang-up ends our wait at once; FreeSWITCH closes the file as it tears the channel down.
    if (endedBy === 'hangup') await settledFile(opts.path, 3000);
    return { path: opts.path, durationMs: wavDurationMs(opts.path), endedBy };
  }

  async sendDtmf(digits: string): Promise<void> {
    if (this.isEnded) throw new InvalidStateError('call has ended');
    const clean = digits.toUpperCase().split('').filter((d) => DTMF_DIGITS.includes(d)).join('');
    if (clean.length !== digits.length) throw new RangeError(`not DTMF digits: ${digits}`);
    if (this.telephoneEvent) {
      await this.endpoint.api('uuid_send_dtmf', `${this.endpoint.uuid} ${clean}@${SEND_KEY_MS}`);
      await new Promise((r) => setTimeout(r, clean.length * (SEND_KEY_MS + SEND_GAP_MS)));
      return;
    }
    for (const d of clean) {
      await this.dialog.request({ method: 'INFO', headers: { 'Content-Type': DTMF_RELAY }, body: formatInfoDtmf(d) } as unknown as Srf.SrfRequest);
    }
  }

  /** Reads the channel's RTP figures (FreeSWITCH's mediaStats) and emits them as LegStats. */
  private async readStats(): Promise<void> {
    if (this.isEnded) return;
    try {
      const res = await this.endpoint.api('json', JSON.stringify({ command: 'mediaStats', data: { uuid: this.endpoint.uuid } }));
      const body = typeof res === 'string' ? res : res.getBody();
      // FreeSWITCH's JSON API wraps the reply: { command, status, response: { audio: {…} } }.
      const parsed = JSON.parse(body) as { response?: { audio?: Record<string, number> } };
      const audio = parsed.response?.audio;
      if (!audio || this.isEnded) return;
      const received = audio.in_media_packet_count ?? 0;
      // Lost packets from sequence gaps: FreeSWITCH's loss rate is lost/received (switch_rtp.c burstr_calculate).
      // (Its "flaws" also count timer resyncs and add penalties, so they overstate the loss.)
      const lost = Math.round(Math.max(0, audio.in_jitter_loss_rate ?? 0) * received);
      const dr = received - this.lastStats.received;
      const dl = lost - this.lastStats.lost;
      this.lastStats = { received, lost };
      const stats: LegStats = {
        packetsReceived: received,
        packetsSent: audio.out_packet_count ?? 0,
        packetsLost: lost,
        fractionLost: dr + dl > 0 ? Math.max(0, dl) / (dr + Math.max(0, dl)) : 0,
        // FreeSWITCH keeps the variance of the packet interval (ms²): its square root is the spread of arrivals.
        jitterMs: Math.sqrt(Math.max(0, audio.in_jitter_max_variance ?? 0)),
        ...(this.rttMs !== undefined ? { rttMs: this.rttMs } : {}),
      };
      this.emit('stats', stats);
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'media stats not read');
    }
  }
}

/** Waits (up to `maxMs`) until `path` exists and its size has stopped changing for 200 ms. */
export async function settledFile(path: string, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < until) {
    let size = -1;
    try { size = statSync(path).size; } catch { /* not there yet */ }
    if (size !== last) { last = size; stableSince = Date.now(); } else if (size > 44 && Date.now() - stableSince >= 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A PCM16 8 kHz mono WAV's length from its size (FreeSWITCH writes a 44-byte header); 0 when it is not there. */
export function wavDurationMs(path: string): number {
  try {
    return Math.max(0, Math.round((statSync(path).size - 44) / 16));
  } catch {
    return 0;
  }
}
