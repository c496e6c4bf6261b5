// The embedded engine: our own SIP user agent and RTP media behind the port.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../common/config.ts';
import { CallFailedError, InvalidStateError, SipError } from '../../common/errors.ts';
import { moduleLogger, type Logger } from '../../common/log.ts';
import { counter } from '../../common/metrics.ts';
import type { CallLeg, CallProgress, Conference, ConferenceOptions, DialTarget, Engine, EngineReadiness, IncomingCall, IncomingHandler, LegBridge, OriginateOptions } from '../port.ts';
import { Q850, q850FromSip, sipFromQ850, type Q850Cause } from '../q850.ts';
import type { ClientInviteSession } from '../sip/dialog/client-invite-session.ts';
import type { TerminationReason } from '../sip/dialog/invite-session.ts';
import type { ServerInviteSession } from '../sip/dialog/server-invite-session.ts';
import { formatUri, parseUri } from '../sip/grammar/uri.ts';
import { getHeader } from '../sip/message/headers.ts';
import { answerOffer, createOffer, hasCommonCodec, readAnswer } from '../sip/sdp/offer-answer.ts';
import type { AudioCodec, LocalMedia, NegotiatedAudio } from '../sip/sdp/types.ts';
import type { TimerValues } from '../sip/transaction/timers.ts';
import { SipTransport } from '../sip/transport/transport.ts';
import { loadTlsCredentials } from '../sip/transport/tls-credentials.ts';
import { SipUserAgent } from '../sip/user-agent.ts';
import { RequestLimiter } from '../sip/request-limiter.ts';
import { backgroundClock } from '../../common/clock.ts';
import { EmbeddedCallLeg } from './call-leg.ts';
import { EmbeddedConference } from './conference.ts';
import { watchEngine, type EngineFigures } from '../engine-metrics.ts';
import type { LegMedia } from './media/control/leg-media.ts';
import type { MediaPool } from './media/control/media-pool.ts';

/**
 * What the embedded engine speaks, in the order it offers them: G.711 first
 * (what every phone and carrier has), G.722 for wideband phones and room
 * systems. When answering, the caller's order decides (RFC 3264 §6.1).
 */
const CODECS: readonly AudioCodec[] = ['PCMU', 'PCMA', 'G722'];
/** Retry-After of the 503 that INVITEs get while close() hangs up the calls up. */
const CLOSING_RETRY_AFTER_S = 5;

/** A LegBridge whose close() runs `end` once; a second close() waits for the same end. */
function legBridge(direct: boolean, end: () => Promise<void>): LegBridge {
  let ending: Promise<void> | undefined;
  return { direct, close: () => (ending ??= end()) };
}

/** Calls refused because the bridge is draining (app/drain.ts): incoming INVITEs answered 503, originate() refused. */
const refusedWhileDraining = counter({ name: 'bridge_drain_refused_calls_total', help: 'New calls refused while draining (in: INVITE answered 503 with Retry-After; out: originate refused)', labelNames: ['direction'] as const });

export interface EmbeddedEngineOptions {
  config: Config;
  media: MediaPool;
  logger?: Logger;
  timers?: TimerValues;
}

export class EmbeddedEngine implements Engine {
  private readonly log: Logger;
  readonly transport: SipTransport;
  readonly ua: SipUserAgent;
  private handler: IncomingHandler | undefined;
  private readonly legs = new Set<EmbeddedCallLeg>();
  /** Conferences not yet closed (pruned as they are counted). */
  private readonly conferences = new Set<EmbeddedConference>();
  private unwatch: (() => void) | undefined;
  private readonly advertisedHost: string;
  /** Set by refuseNewCalls(): the Retry-After of the 503 every new INVITE gets. */
  private retryAfterS: number | undefined;

  constructor(private readonly opts: EmbeddedEngineOptions) {
    const { config } = opts;
    this.log = opts.logger ?? moduleLogger('engine');
    this.advertisedHost = config.sip.advertisedHost ?? config.sip.host;
    const tls = loadTlsCredentials(config.sip.tls); // ConfigError at start-up for a missing or unusable file
    this.transport = new SipTransport({ host: config.sip.host, port: config.sip.port, transports: config.sip.transports, tls, logger: this.log.child({ module: 'sip-transport' }) });
    this.ua = new SipUserAgent({
      transport: this.transport,
      logger: this.log.child({ module: 'sip' }),
      host: this.advertisedHost,
      port: config.sip.port,
      tlsPort: tls?.port,
      userAgent: config.sip.userAgent,
      timers: opts.timers,
      limiter: requestLimiter(config, this.log.child({ module: 'sip-limit' })),
    });
    this.ua.on('invite', (session) => this.onInvite(session));
  }

  /** Calls in progress (answered legs). */
  get activeLegs(): number { return this.legs.size; }

  async start(): Promise<void> {
    await this.transport.listen();
    this.unwatch ??= watchEngine(this);
    this.log.info({ host: this.opts.config.sip.host, port: this.opts.config.sip.port, transports: this.opts.config.sip.transports, tlsPort: this.transport.tlsPort }, 'SIP listening');
  }

  async close(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    // No new call while the calls up are hung up (their BYEs take a round trip): an INVITE meanwhile gets 503, so a
    // proxy in front tries another node, instead of a call answered here just before the socket closes under it.
    if (this.retryAfterS === undefined) {
      this.retryAfterS = CLOSING_RETRY_AFTER_S;
      this.ua.refuseNewSessions(CLOSING_RETRY_AFTER_S);
    }
    await Promise.allSettled([...this.legs].map((l) => l.hangup(Q850.NORMAL_CLEARING)));
    this.ua.close();
    await this.transport.close();
    await this.opts.media.close(); // the engine owns its media workers
  }

  onIncoming(handler: IncomingHandler): void { this.handler = handler; }

  refuseNewCalls(opts: { retryAfterS: number }): void {
    this.retryAfterS = opts.retryAfterS;
    this.ua.refuseNewSessions(opts.retryAfterS); // OPTIONS → 503 too: a dispatcher in front stops choosing this node
    this.log.info({ retryAfterS: opts.retryAfterS, calls: this.legs.size }, 'draining: new calls are refused');
  }

  get draining(): boolean { return this.retryAfterS !== undefined; }

  createConference(name: string, opts: ConferenceOptions = {}): Conference {
    const conf = new EmbeddedConference(name, opts, this.opts.media);
    this.conferences.add(conf);
    return conf;
  }

  async bridge(a: CallLeg, b: CallLeg, opts: { direct?: boolean } = {}): Promise<LegBridge> {
    if (!(a instanceof EmbeddedCallLeg) || !(b instanceof EmbeddedCallLeg)) throw new InvalidStateError('not a leg of this engine');
    if (a.ended || b.ended) throw new InvalidStateError('call has ended');
    if (a.codec !== b.codec) throw new InvalidStateError(`the legs' codecs differ (${a.codec}, ${b.codec}): a bridge passes packets untouched`);
    if (opts.direct) return this.bridgeDirect(a, b);
    await a.media.patch(b.media);
    // A leg that ended took the bridge down with it (media-host removeLeg).
    return legBridge(false, () => a.media.unpatch().catch(() => undefined));
  }

  /**
   * The far ends pointed at each other: our two legs are parked (they pass
   * nothing on and send nothing, so neither far end latches onto us), then b's
   * far end is told to send to a's and a's to b's. Any refusal puts back what
   * moved and rejects.
   */
  private async bridgeDirect(a: EmbeddedCallLeg, b: EmbeddedCallLeg): Promise<LegBridge> {
    const ra = a.remoteMedia;
    const rb = b.remoteMedia;
    if (ra.srtp || rb.srtp) throw new InvalidStateError('SRTP legs cannot be bridged directly (their keys are ours)');
    if (!ra.port || !rb.port) throw new InvalidStateError('a leg has no media address');
    await a.media.patch(b.media, { park: true });
    try {
      await b.redirectMedia({ address: ra.address, port: ra.port });
      await a.redirectMedia({ address: rb.address, port: rb.port });
    } catch (err) {
      if (b.redirected && !b.ended) await b.redirectMedia(null).catch(() => undefined);
      await a.media.unpatch().catch(() => undefined);
      throw err;
    }
    this.log.debug({ a: a.callId, b: b.callId }, 'legs bridged directly: their media no longer passes here');
    return legBridge(true, async () => {
      if (b.redirected && !b.ended) void b.redirectMedia(null).catch((err: unknown) => this.log.debug({ err }, 'b\'s media could not be brought back'));
      if (a.redirected && !a.ended) await a.redirectMedia(null);
      await a.media.unpatch().catch(() => undefined);
    });
  }

  /** Calls, conferences and members up now (engine-metrics.ts). */
  figures(): EngineFigures {
    let callsIn = 0, members = 0;
    for (const l of this.legs) if (l.direction === 'in') callsIn++;
    for (const c of this.conferences) {
      if (c.closed) this.conferences.delete(c); else members += c.memberCount;
    }
    return { callsIn, callsOut: this.legs.size - callsIn, conferences: this.conferences.size, members };
  }

  /** The SIP socket bound, and every media worker answering within `timeoutMs`. */
  async readiness(timeoutMs = 1000): Promise<EngineReadiness> {
    const media = await this.opts.media.counters.read(timeoutMs);
    return {
      sip: this.transport.listening ? true : 'the SIP socket is not bound',
      media: media.workers > 0 && media.answering === media.workers ? true : `${media.answering} of ${media.workers} media workers answered within ${timeoutMs} ms`,
    };
  }

  private localMedia(media: LegMedia, only?: readonly AudioCodec[]): LocalMedia {
    const codecs = only?.filter((c) => CODECS.includes(c));
    return {
      address: this.opts.config.rtp.advertisedHost ?? this.advertisedHost,
      port: media.localPort,
      codecs: codecs?.length ? codecs : CODECS,
      telephoneEvent: true,
      ptime: 20,
      sessionId: String(Date.now()),
      sessionVersion: 1,
    };
  }

  private onInvite(session: ServerInviteSession): void {
    if (this.retryAfterS !== undefined) {
      // RFC 3261 §21.5.4: 503 with Retry-After — this node takes no new calls; try later, or another node.
      refusedWhileDraining.inc({ direction: 'in' });
      session.reject(503, { reason: 'Service Unavailable', q850: Q850.TEMPORARY_FAILURE, headers: [{ name: 'Retry-After', value: String(this.retryAfterS) }] });
      return;
    }
    const offer = session.offer;
    // Refuse at once what no application could take: an offer that is no SDP (400) or has no common codec (488).
    if (offer !== undefined) {
      try {
        if (!hasCommonCodec(offer, CODECS)) { session.reject(488); return; }
      } catch (err) {
        session.reject(err instanceof SipError ? err.status : 488);
        return;
      }
    }
    const handler = this.handler;
    if (!handler) { session.reject(480); return; }
    const call = new EmbeddedIncomingCall(session, this, this.log.child({ callId: session.callId }));
    try {
      handler(call);
    } catch (err) {
      this.log.error({ err }, 'incoming-call handler threw');
      session.reject(500);
    }
  }

  /** Answers an incoming call: media, SDP answer, 200 OK; resolves on the ACK. */
  async answerIncoming(session: ServerInviteSession, call: EmbeddedIncomingCall): Promise<CallLeg> {
    const media = await this.opts.media.create(session.callId);
    const local = this.localMedia(media);
    let audio: NegotiatedAudio;
    let answerSdp: string;
    const offer = session.offer;
    if (offer !== undefined) {
      try {
        ({ answer: answerSdp, audio } = answerOffer(offer, local));
      } catch (err) {
        media.close();
        const status = err instanceof SipError ? err.status : 488;
        session.reject(status);
        throw new CallFailedError(q850FromSip(status), status, (err as Error).message);
      }
    } else {
      // Late offer (RFC 3261 §13.2.1): we offer in the 200, the answer comes in the ACK.
      answerSdp = createOffer(local);
      audio = { codec: 'PCMU', payloadType: 0, telephoneEventPt: 101, remoteAddress: '', remotePort: 0, remotePtime: 20, direction: 'sendrecv' };
    }
    if (session.terminated) { media.close(); throw new CallFailedError(Q850.NORMAL_CLEARING, 487, 'caller hung up before the answer'); }
    const confirmed = new Promise<void>((resolve, reject) => {
      session.once('confirmed', (ack) => {
        if (offer === undefined) {
          try {
            audio = readAnswer(ack?.body.toString('utf8') ?? '', local);
          } catch (err) {
            void session.hangup({ q850: Q850.INCOMPATIBLE_DESTINATION });
            reject(new CallFailedError(Q850.INCOMPATIBLE_DESTINATION, 488, (err as Error).message));
            return;
          }
        }
        resolve();
      });
      session.once('terminated', (r) => reject(failure(r, 'call ended before the ACK')));
    });
    // Ready to receive before the 200 leaves (RFC 3264 §6): a phone may send RTP, keys included, as soon as it has our
    // answer, and the ACK reaches us later (much later when a burst of callers queues it): until the media knew the
    // telephone-event payload type it dropped those packets, and a caller's first key with them.
    if (offer !== undefined) media.configure(audio);
    session.accept(answerSdp);
    try {
      await confirmed;
    } catch (err) {
      media.close();
      throw err;
    }
    const leg = new EmbeddedCallLeg({
      session, media, audio, local, direction: 'in',
      from: call.from, to: call.to, log: this.log.child({ callId: session.callId, leg: call.id }), id: call.id,
    });
    this.track(leg);
    return leg;
  }

  async originate(target: DialTarget, opts: OriginateOptions): Promise<CallLeg> {
    if (this.retryAfterS !== undefined) {
      refusedWhileDraining.inc({ direction: 'out' });
      throw new CallFailedError(Q850.TEMPORARY_FAILURE, 503, 'the bridge is draining: no new calls');
    }
    let uri;
    try {
      uri = parseUri(target.uri);
    } catch (err) {
      throw new CallFailedError(Q850.INVALID_NUMBER_FORMAT, undefined, `bad target ${target.uri}: ${(err as Error).message}`);
    }
    const media = await this.opts.media.create(`out-${randomUUID()}`);
    const local = this.localMedia(media, opts.codecs);
    let session: ClientInviteSession;
    try {
      await opts.beforeSend?.();
      if (opts.signal?.aborted) throw new CallFailedError(Q850.NORMAL_CLEARING, 487, 'cancelled before the INVITE left');
    } catch (err) {
      media.close();
      throw err instanceof CallFailedError ? err : new CallFailedError(Q850.TEMPORARY_FAILURE, undefined, `not sent: ${(err as Error).message}`);
    }
    try {
      const headers = Object.entries(opts.headers ?? {}).map(([name, value]) => ({ name, value }));
      session = await this.ua.invite({ target: uri, from: opts.from, sdp: createOffer(local), headers, ...(opts.auth ? { auth: opts.auth } : {}) });
    } catch (err) {
      media.close();
      throw new CallFailedError(Q850.NO_ROUTE_DESTINATION, undefined, `cannot reach ${target.uri}: ${(err as Error).message}`);
    }
    const log = this.log.child({ callId: session.callId, direction: 'out' });
    let rang = false;
    let timedOut = false;
    let aborted = false;
    const timeoutMs = opts.noAnswerTimeoutMs ?? this.opts.config.sip.noAnswerTimeoutS * 1000;
    const timer = setTimeout(() => { timedOut = true; void session.hangup({ q850: rang ? Q850.NO_ANSWER : Q850.NO_USER_RESPONSE }); }, timeoutMs);
    const onAbort = () => { aborted = true; void session.hangup({ q850: Q850.NORMAL_CLEARING }); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    session.on('progress', (res) => {
      let p: CallProgress | undefined;
      if (res.status === 180 || res.status === 181 || res.status === 182) p = 'ringing';
      else if (res.status === 183) p = res.body.length > 0 ? 'early-media' : 'ringing';
      if (!p) return;
      rang = true;
      try { opts.onProgress?.(p); } catch (err) { log.error({ err }, 'progress callback threw'); }
    });
    try {
      await new Promise<void>((resolve, reject) => {
        session.once('confirmed', () => resolve());
        session.once('terminated', (r) => {
          if (timedOut) reject(new CallFailedError(rang ? Q850.NO_ANSWER : Q850.NO_USER_RESPONSE, r.status, 'no answer'));
          else if (aborted) reject(new CallFailedError(Q850.NORMAL_CLEARING, r.status ?? 487, 'cancelled'));
          else reject(failure(r, 'call failed'));
        });
      });
    } catch (err) {
      media.close();
      throw err;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    let audio: NegotiatedAudio;
    try {
      audio = readAnswer(session.finalResponse?.body.toString('utf8') ?? '', local);
    } catch (err) {
      await session.hangup({ q850: Q850.INCOMPATIBLE_DESTINATION });
      media.close();
      throw new CallFailedError(Q850.INCOMPATIBLE_DESTINATION, 488, (err as Error).message);
    }
    const leg = new EmbeddedCallLeg({
      session, media, audio, local, direction: 'out', id: randomUUID(),
      from: opts.from.user, to: uri.user ?? formatUri(uri), log,
    });
    this.track(leg);
    return leg;
  }

  private track(leg: EmbeddedCallLeg): void {
    this.legs.add(leg);
    leg.on('hangup', () => this.legs.delete(leg));
  }
}

/** The per-source limits of config.sip (none when requestsPerS and carrierRequestsPerS are both 0). */
function requestLimiter(config: Config, log: Logger): RequestLimiter | undefined {
  const s = config.sip;
  if (s.requestsPerS <= 0 && s.carrierRequestsPerS <= 0) return undefined;
  return new RequestLimiter({
    ratePerS: s.requestsPerS, burst: s.requestBurst, carrierAddresses: config.ivr.carrierAddresses,
    carrierRatePerS: s.carrierRequestsPerS, carrierBurst: s.carrierRequestBurst, retryAfterS: s.retryAfterS, logPeriodS: s.limitLogPeriodS,
  }, backgroundClock, log);
}

function failure(r: TerminationReason, message: string): CallFailedError {
  const status = r.status;
  const cause: Q850Cause = r.q850 ?? (status !== undefined ? q850FromSip(status) : r.by === 'timeout' ? Q850.RECOVERY_ON_TIMER_EXPIRE : Q850.NORMAL_CLEARING);
  return new CallFailedError(cause, status, status !== undefined ? `${message}: ${status} ${r.reason ?? ''}`.trim() : message);
}

export class EmbeddedIncomingCall implements IncomingCall {
  readonly id = randomUUID();
  private answering: Promise<CallLeg> | undefined;

  constructor(private readonly session: ServerInviteSession, private readonly engine: EmbeddedEngine, private readonly log: Logger) {}

  get callId(): string { return this.session.callId; }
  get from(): string { return this.session.request.from.uri.user ?? ''; }
  get fromDisplayName(): string | undefined { return this.session.request.from.displayName; }
  get to(): string { return this.session.request.uri.user ?? this.session.request.to.uri.user ?? ''; }
  get requestUri(): string { return formatUri(this.session.request.uri); }
  get transport(): 'udp' | 'tcp' | 'tls' { return this.session.source.transport; }
  get sourceAddress(): string { return this.session.source.address; }

  header(name: string): string | undefined { return getHeader(this.session.request, name); }

  ring(): void { this.session.progress(180); }

  answer(): Promise<CallLeg> {
    this.answering ??= this.engine.answerIncoming(this.session, this);
    return this.answering;
  }

  reject(cause: Q850Cause, opts: { retryAfterS?: number } = {}): void {
    this.log.debug({ cause }, 'rejecting call');
    const status = sipFromQ850(cause);
    const retry = opts.retryAfterS !== undefined && (status === 503 || status === 486) ? [{ name: 'Retry-After', value: String(opts.retryAfterS) }] : [];
    this.session.reject(status, { q850: cause, ...(retry.length > 0 ? { headers: retry } : {}) });
  }

  onCancel(fn: () => void): void {
    this.session.on('terminated', (r) => { if (r.by === 'remote' && r.status === 487) fn(); });
  }
}
