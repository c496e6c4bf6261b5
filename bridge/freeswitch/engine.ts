// The FreeSWITCH engine: SIP through a drachtio-server (drachtio-srf), media
// on FreeSWITCH (drachtio-fsmrf: one channel per call leg, mod_conference
// for the mix) over its event socket. The same port as the embedded engine,
// so the IVR, dialer, console and billing run on it unchanged
// (BRIDGE_ENGINE=freeswitch; freeswitch-conf/ is FreeSWITCH's side).
//
// drachtio-server and FreeSWITCH may go away while the bridge runs: Srf
// reconnects to drachtio-server by itself; a lost FreeSWITCH ends the calls
// it carried (their callers hear a BYE with Q.850 41) and is reconnected
// every `reconnectS` — meanwhile new calls get 503 with Retry-After, and
// readiness says why.
import { randomUUID } from 'node:crypto';
import Srf from 'drachtio-srf';
import Mrf, { type EslEvent, type MediaServer } from 'drachtio-fsmrf';
import type { Config } from '../../common/config.ts';
import { CallFailedError, ConfigError } from '../../common/errors.ts';
import { moduleLogger, type Logger } from '../../common/log.ts';
import { counter } from '../../common/metrics.ts';
import type { CallLeg, CallProgress, Conference, ConferenceOptions, DialTarget, Engine, EngineReadiness, IncomingCall, IncomingHandler, OriginateOptions } from '../port.ts';
import { Q850, q850FromSip, sipFromQ850, type Q850Cause } from '../q850.ts';
import { endChannel, explicitDirection, FsCallLeg, holdEarlyDtmf, prepareChannel, reasonCause, sdpAudio } from './call-leg.ts';
import { FsConference } from './conference.ts';
import { watchEngine, type EngineFigures } from '../engine-metrics.ts';

const refusedWhileDraining = counter({ name: 'bridge_fs_refused_calls_total', help: 'New calls the FreeSWITCH engine refused (draining, or the media server away)', labelNames: ['direction', 'why'] as const });

/** Retry-After of the 503 a new call gets while FreeSWITCH is away (s). */
const MEDIA_AWAY_RETRY_S = 10;

type FsConfig = Config['freeswitch'];

/** The user part of a SIP URI (or the whole URI when it has none). */
function userOf(uri: string | undefined): string {
  if (!uri) return '';
  const m = /^<?\s*sips?:([^@;>]+)@/i.exec(uri.trim());
  return m ? decodeURIComponent(m[1]!) : '';
}

/** Rejects after `ms` with `message` (start-up: an address or secret that never answers). */
function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new ConfigError(message)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (err: unknown) => { clearTimeout(t); reject(err); });
  });
}

export class FreeswitchEngine implements Engine {
  private readonly log: Logger;
  private readonly fs: FsConfig;
  private readonly srf: Srf;
  private readonly mrf: Mrf;
  private ms: MediaServer | undefined;
  private drachtioUp = false;
  private mediaAway: string | undefined = 'not connected yet';
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private handler: IncomingHandler | undefined;
  private retryAfterS: number | undefined;
  private readonly legs = new Set<FsCallLeg>();
  private readonly conferences = new Map<string, FsConference>();
  private unwatch: (() => void) | undefined;

  constructor(private readonly config: Config, logger?: Logger) {
    this.log = logger ?? moduleLogger('fs-engine');
    this.fs = config.freeswitch;
    this.srf = new Srf();
    this.mrf = new Mrf(this.srf);
  }

  get draining(): boolean { return this.retryAfterS !== undefined; }
  get activeLegs(): number { return this.legs.size; }

  async start(): Promise<void> {
    const { drachtio, esl, connectTimeoutS } = this.fs;
    const timeoutMs = connectTimeoutS * 1000;
    this.srf.on('error', (err: Error) => {
      if (this.drachtioUp) this.log.error({ err: err.message }, 'drachtio-server connection lost; reconnecting');
      this.drachtioUp = false;
    });
    this.srf.on('connect', () => { this.drachtioUp = true; this.log.info({ host: drachtio.host, port: drachtio.port }, 'connected to drachtio-server'); });
    this.srf.on('close' as 'error', () => { if (this.drachtioUp && !this.closing) this.log.error('drachtio-server closed the connection; reconnecting'); this.drachtioUp = false; });
    const connected = new Promise<void>((resolve, reject) => {
      this.srf.once('connect', (err: Error | null) => (err ? reject(err) : resolve()));
    });
    // Srf reconnects by itself: a wrong address never connects, a wrong secret is refused at once.
    // Reconnection backs off up to reconnectS (drachtio-srf's own back-off has no ceiling unless given one).
    this.srf.connect({ host: drachtio.host, port: drachtio.port, secret: drachtio.secret ?? '', reconnect: { retryMaxDelay: this.fs.reconnectS * 1000 } } as Srf.SrfConfig);
    try {
      await withTimeout(connected, timeoutMs, `cannot reach drachtio-server at ${drachtio.host}:${drachtio.port} within ${connectTimeoutS} s (freeswitch.drachtio: address, port, secret)`);
    } catch (err) {
      this.disconnectSrf();
      throw err instanceof ConfigError ? err : new ConfigError(`drachtio-server at ${drachtio.host}:${drachtio.port} refused the bridge: ${(err as Error).message} (check freeswitch.drachtio.secret)`);
    }
    try {
      await withTimeout(this.connectMedia(), timeoutMs, `cannot reach FreeSWITCH's event socket at ${esl.host}:${esl.port} within ${connectTimeoutS} s (freeswitch.esl: address, port, secret)`);
    } catch (err) {
      this.disconnectSrf();
      throw err instanceof ConfigError ? err : new ConfigError(`FreeSWITCH's event socket at ${esl.host}:${esl.port}: ${(err as Error).message} (check freeswitch.esl.secret, the sofia profile "${this.fs.profile}" and freeswitch-conf/)`);
    }
    this.srf.invite((req, res) => this.onInvite(req, res));
    this.unwatch ??= watchEngine(this);
    this.log.info({ drachtio: `${drachtio.host}:${drachtio.port}`, esl: `${esl.host}:${esl.port}` }, 'FreeSWITCH engine started');
  }

  /** Connects to FreeSWITCH's event socket; a connection that ends later is retried. */
  private async connectMedia(): Promise<void> {
    const { esl, eslListen, profile } = this.fs;
    const ms = await this.mrf.connect({
      address: esl.host, port: esl.port, secret: esl.secret ?? '', profile,
      listenAddress: eslListen.host, listenPort: eslListen.port,
      ...(eslListen.advertisedHost ? { advertisedAddress: eslListen.advertisedHost } : {}),
    });
    this.ms = ms;
    this.mediaAway = undefined;
    ms.conn.subscribe(['CUSTOM conference::maintenance']);
    ms.conn.on('esl::event::CUSTOM::*', (evt: EslEvent) => this.onConferenceEvent(evt));
    const lost = () => {
      if (this.ms !== ms || this.closing) return;
      this.ms = undefined;
      this.mediaAway = `FreeSWITCH at ${esl.host}:${esl.port} went away`;
      this.log.error({ calls: this.legs.size }, 'lost FreeSWITCH; its calls end, reconnecting');
      ms.disconnect();
      this.scheduleReconnect();
    };
    ms.on('end', lost);
    ms.conn.on('esl::end', lost);
    ms.on('error', (err: Error) => this.log.warn({ err: err.message }, 'FreeSWITCH connection error'));
    this.log.info({ esl: `${esl.host}:${esl.port}`, sip: ms.sip.ipv4.udp.address }, 'connected to FreeSWITCH');
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectMedia().then(
        () => this.log.info('FreeSWITCH is back'),
        (err: Error) => { this.log.warn({ err: err.message }, 'FreeSWITCH still away'); this.scheduleReconnect(); },
      );
    }, this.fs.reconnectS * 1000);
    this.reconnectTimer.unref();
  }

  private media(): MediaServer {
    if (!this.ms) throw new CallFailedError(Q850.TEMPORARY_FAILURE, 503, this.mediaAway ?? 'FreeSWITCH is not connected');
    return this.ms;
  }

  private onConferenceEvent(evt: EslEvent): void {
    if (evt.getHeader('Event-Subclass') !== 'conference::maintenance') return;
    const conf = this.conferences.get(evt.getHeader('Conference-Name') ?? '');
    if (conf) conf.onEvent(evt);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.unwatch?.();
    this.unwatch = undefined;
    clearTimeout(this.reconnectTimer);
    await Promise.allSettled([...this.conferences.values()].map((c) => c.close()));
    await Promise.allSettled([...this.legs].map((l) => l.hangup(Q850.NORMAL_CLEARING)));
    this.ms?.disconnect();
    this.ms = undefined;
    this.disconnectSrf();
  }

  /** Ends the drachtio-server connection and its reconnecting. */
  private disconnectSrf(): void {
    this.closing = true;
    try {
      this.srf.disconnect();
    } catch {
      // Not connected now (never, or lost and retrying): drachtio-srf's disconnect() throws before it
      // stops its reconnect timer, which would try for ever and keep the process alive. Stopped here.
      const wp = (this.srf as unknown as { _app?: { client?: { wp?: { closing?: boolean; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } } } } })._app?.client?.wp;
      if (wp) {
        wp.closing = true;
        if (wp.reconnectVars?.retryTimer) { clearTimeout(wp.reconnectVars.retryTimer); wp.reconnectVars.retryTimer = null; }
      }
    }
  }

  /** Calls, conferences and members up now (the bridge_calls_up / bridge_conference* gauges, shared with the embedded engine). */
  figures(): EngineFigures {
    let callsIn = 0, members = 0;
    for (const l of this.legs) if (l.direction === 'in') callsIn++;
    for (const c of this.conferences.values()) members += c.memberCount;
    return { callsIn, callsOut: this.legs.size - callsIn, conferences: this.conferences.size, members };
  }

  async readiness(): Promise<EngineReadiness> {
    return {
      sip: this.drachtioUp ? true : `not connected to drachtio-server at ${this.fs.drachtio.host}:${this.fs.drachtio.port}`,
      media: this.ms && this.ms.connected() ? true : (this.mediaAway ?? 'FreeSWITCH is not connected'),
    };
  }

  onIncoming(handler: IncomingHandler): void { this.handler = handler; }

  refuseNewCalls(opts: { retryAfterS: number }): void {
    this.retryAfterS = opts.retryAfterS;
    this.log.info({ retryAfterS: opts.retryAfterS, calls: this.legs.size }, 'draining: new calls are refused');
  }

  createConference(name: string, opts: ConferenceOptions = {}): Conference {
    const conf = new FsConference(name, opts, () => this.media(), this.fs.conferenceProfile, (c) => this.conferences.delete(c.fsName));
    this.conferences.set(conf.fsName, conf);
    return conf;
  }

  private onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    const refuse = (status: number, why: string, retryAfterS?: number) => {
      refusedWhileDraining.inc({ direction: 'in', why });
      res.send(status, { headers: { ...(retryAfterS !== undefined ? { 'Retry-After': String(retryAfterS) } : {}), Reason: `Q.850;cause=${Q850.TEMPORARY_FAILURE}` } });
    };
    if (this.retryAfterS !== undefined) { refuse(503, 'draining', this.retryAfterS); return; }
    if (!this.ms) { refuse(503, 'media_away', MEDIA_AWAY_RETRY_S); return; }
    if (req.body) {
      try {
        const { codec } = sdpAudio(req.body);
        if (codec === undefined) { res.send(488); return; }
      } catch {
        res.send(400);
        return;
      }
    }
    const handler = this.handler;
    if (!handler) { res.send(480); return; }
    const call = new FsIncomingCall(req, res, this, this.log.child({ callId: req.get('Call-ID') }));
    try {
      handler(call);
    } catch (err) {
      this.log.error({ err }, 'incoming-call handler threw');
      if (!res.finalResponseSent) res.send(500);
    }
  }

  /** Answers: a FreeSWITCH channel for the caller's offer, then the 200 OK with its answer. */
  async answerIncoming(req: Srf.SrfRequest, res: Srf.SrfResponse, call: FsIncomingCall): Promise<CallLeg> {
    const ep = await this.media().createEndpoint({ remoteSdp: req.body, codecs: ['PCMU', 'PCMA'] });
    // A phone may send keys as soon as it has our 200 OK (RFC 3264 §6), before its ACK: they wait for the leg.
    const early = holdEarlyDtmf(ep);
    await prepareChannel(ep, true).catch((err: Error) => this.log.warn({ err: err.message }, 'channel set-up'));
    if (call.cancelled) {
      await endChannel(ep);
      throw new CallFailedError(Q850.NORMAL_CLEARING, 487, 'caller hung up before the answer');
    }
    let dialog: Srf.Dialog;
    try {
      dialog = await this.srf.createUAS(req, res, { localSdp: explicitDirection(ep.local.sdp), headers: { 'Content-Type': 'application/sdp' } });
    } catch (err) {
      await endChannel(ep);
      throw new CallFailedError(Q850.NORMAL_CLEARING, 487, `not answered: ${(err as Error).message}`);
    }
    const leg = new FsCallLeg({ id: call.id, dialog, endpoint: ep, direction: 'in', from: call.from, to: call.to, log: this.log.child({ callId: call.callId, leg: call.id }), earlyDtmf: early.stop() });
    this.track(leg);
    return leg;
  }

  async originate(target: DialTarget, opts: OriginateOptions): Promise<CallLeg> {
    if (this.retryAfterS !== undefined) {
      refusedWhileDraining.inc({ direction: 'out', why: 'draining' });
      throw new CallFailedError(Q850.TEMPORARY_FAILURE, 503, 'the bridge is draining: no new calls');
    }
    if (!/^sips?:[^\s]+$/i.test(target.uri) || !/@|^sips?:[0-9.]+/i.test(target.uri)) {
      throw new CallFailedError(Q850.INVALID_NUMBER_FORMAT, undefined, `bad target ${target.uri}`);
    }
    // A channel on FreeSWITCH with no remote media yet (its offer goes in our INVITE).
    const ep = await this.media().createEndpoint();
    try {
      await opts.beforeSend?.();
      if (opts.signal?.aborted) throw new CallFailedError(Q850.NORMAL_CLEARING, 487, 'cancelled before the INVITE left');
    } catch (err) {
      await endChannel(ep);
      throw err instanceof CallFailedError ? err : new CallFailedError(Q850.TEMPORARY_FAILURE, undefined, `not sent: ${(err as Error).message}`);
    }
    const log = this.log.child({ direction: 'out', target: target.uri });
    let rang = false;
    let timedOut = false;
    let aborted = false;
    let inviteReq: Srf.SrfRequest | undefined;
    const cancel = () => { inviteReq?.cancel(() => undefined); };
    const timeoutMs = opts.noAnswerTimeoutMs ?? this.config.sip.noAnswerTimeoutS * 1000;
    const timer = setTimeout(() => { timedOut = true; cancel(); }, timeoutMs);
    const onAbort = () => { aborted = true; cancel(); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let dialog: Srf.Dialog;
    try {
      const from = opts.from.displayName ? `"${opts.from.displayName.replace(/"/g, '')}" <sip:${opts.from.user}@localhost>` : `<sip:${opts.from.user}@localhost>`;
      dialog = await this.srf.createUAC(target.uri, {
        localSdp: explicitDirection(ep.local.sdp),
        headers: { ...opts.headers, From: from, 'Content-Type': 'application/sdp' },
        ...(opts.auth ? { auth: opts.auth } : {}),
      }, {
        // drachtio-srf calls it as (err, req), whatever its typings say.
        cbRequest: ((err: unknown, req?: Srf.SrfRequest) => { if (!err && req) inviteReq = req; if (aborted || timedOut) cancel(); }) as unknown as (req: Srf.SrfRequest) => void,
        cbProvisional: (res) => {
          const s = res.status;
          let p: CallProgress | undefined;
          if (s === 180 || s === 181 || s === 182) p = 'ringing';
          else if (s === 183) p = res.body ? 'early-media' : 'ringing';
          if (!p) return;
          rang = true;
          try { opts.onProgress?.(p); } catch (err) { log.error({ err }, 'progress callback threw'); }
        },
      });
    } catch (err) {
      await endChannel(ep);
      const status = (err as { status?: number }).status;
      const reason = (err as { res?: Srf.SrfResponse }).res?.get?.('Reason');
      if (timedOut) throw new CallFailedError(rang ? Q850.NO_ANSWER : Q850.NO_USER_RESPONSE, status, 'no answer');
      if (aborted) throw new CallFailedError(Q850.NORMAL_CLEARING, status ?? 487, 'cancelled');
      if (status === undefined) throw new CallFailedError(Q850.NO_ROUTE_DESTINATION, undefined, `cannot reach ${target.uri}: ${(err as Error).message}`);
      throw new CallFailedError(reasonCause(reason) ?? q850FromSip(status), status, `call failed: ${status}`);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    try {
      await ep.modify(dialog.remote.sdp);
    } catch (err) {
      dialog.destroy({ headers: { Reason: `Q.850;cause=${Q850.INCOMPATIBLE_DESTINATION}` } });
      await endChannel(ep);
      throw new CallFailedError(Q850.INCOMPATIBLE_DESTINATION, 488, `FreeSWITCH refused the answer: ${(err as Error).message}`);
    }
    await prepareChannel(ep, true).catch((err: Error) => log.warn({ err: err.message }, 'channel set-up'));
    const leg = new FsCallLeg({ id: randomUUID(), dialog, endpoint: ep, direction: 'out', from: opts.from.user, to: userOf(target.uri) || target.uri, log: log.child({ callId: dialog.sip.callId }) });
    this.track(leg);
    return leg;
  }

  private track(leg: FsCallLeg): void {
    this.legs.add(leg);
    leg.on('hangup', () => this.legs.delete(leg));
  }
}

export class FsIncomingCall implements IncomingCall {
  readonly id = randomUUID();
  cancelled = false;
  private answering: Promise<CallLeg> | undefined;
  private readonly cancelFns: Array<() => void> = [];

  constructor(private readonly req: Srf.SrfRequest, private readonly res: Srf.SrfResponse, private readonly engine: FreeswitchEngine, private readonly log: Logger) {
    req.on('cancel', () => {
      this.cancelled = true;
      for (const fn of this.cancelFns) fn();
    });
  }

  get callId(): string { return this.req.get('Call-ID'); }
  get from(): string { return userOf(this.req.getParsedHeader('From')?.uri); }
  get fromDisplayName(): string | undefined { return this.req.getParsedHeader('From')?.name?.replace(/^"|"$/g, '') || undefined; }
  get to(): string { return userOf(this.req.uri) || userOf(this.req.getParsedHeader('To')?.uri); }
  get requestUri(): string { return this.req.uri; }
  get transport(): 'udp' | 'tcp' { return /tcp/i.test(this.req.protocol) ? 'tcp' : 'udp'; }
  get sourceAddress(): string { return this.req.source_address; }

  header(name: string): string | undefined { return this.req.has(name) ? this.req.get(name) : undefined; }

  ring(): void { if (!this.res.finalResponseSent) this.res.send(180); }

  answer(): Promise<CallLeg> {
    this.answering ??= this.engine.answerIncoming(this.req, this.res, this);
    return this.answering;
  }

  reject(cause: Q850Cause, opts: { retryAfterS?: number } = {}): void {
    if (this.res.finalResponseSent) return;
    this.log.debug({ cause }, 'rejecting call');
    const status = sipFromQ850(cause);
    const headers: Record<string, string> = { Reason: `Q.850;cause=${cause}` };
    if (opts.retryAfterS !== undefined && (status === 503 || status === 486)) headers['Retry-After'] = String(opts.retryAfterS);
    this.res.send(status, { headers });
  }

  onCancel(fn: () => void): void {
    if (this.cancelled) queueMicrotask(fn); else this.cancelFns.push(fn);
  }
}

/** The configured FreeSWITCH engine; refuses a configuration without the secrets. */
export function createFreeswitchEngine(config: Config): FreeswitchEngine {
  const fs = config.freeswitch;
  if (!fs.drachtio.secret) throw new ConfigError('engine "freeswitch": freeswitch.drachtio.secret (BRIDGE_DRACHTIO_SECRET) is required');
  if (!fs.esl.secret) throw new ConfigError('engine "freeswitch": freeswitch.esl.secret (BRIDGE_FS_ESL_SECRET) is required');
  return new FreeswitchEngine(config);
}
