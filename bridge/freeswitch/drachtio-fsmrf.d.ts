// The part of drachtio-fsmrf (no types of its own) that bridge/freeswitch/ uses.
declare module 'drachtio-fsmrf' {
  import type { EventEmitter } from 'node:events';
  import type Srf from 'drachtio-srf';

  /** An event of FreeSWITCH's event socket (drachtio-modesl). */
  export interface EslEvent {
    getHeader(name: string): string | undefined;
    getBody(): string;
  }

  /** A connection to FreeSWITCH's event socket (drachtio-modesl). */
  export interface EslConnection extends EventEmitter {
    api(command: string, cb: (res: EslEvent) => void): void;
    subscribe(events: string | string[], cb?: () => void): void;
    connected(): boolean;
    disconnect(): void;
    socket: { remoteAddress?: string };
  }

  export interface JoinOptions {
    profile?: string;
    flags?: Record<string, boolean>;
  }

  export class Endpoint extends EventEmitter {
    readonly uuid: string;
    readonly local: { sdp: string; mediaIp: string; mediaPort: string };
    readonly remote: { sdp: string; mediaIp: string; mediaPort: string };
    readonly dialog: Srf.Dialog;
    readonly conn: EslConnection | null;
    readonly connected: boolean;
    execute(app: string, arg?: string): Promise<EslEvent>;
    api(command: string, args?: string): Promise<EslEvent | string>;
    join(conf: string, opts?: JoinOptions): Promise<{ memberId: number; confUuid: string }>;
    modify(sdp: string): Promise<string>;
    destroy(): Promise<void>;
    on(event: 'dtmf', fn: (ev: { dtmf: string; duration?: string; source?: string }) => void): this;
    on(event: 'destroy', fn: (ev?: { reason?: string }) => void): this;
    on(event: string, fn: (...args: any[]) => void): this;
  }

  export interface CreateEndpointOptions {
    remoteSdp?: string;
    codecs?: string | string[];
    headers?: Record<string, string>;
  }

  export class MediaServer extends EventEmitter {
    readonly conn: EslConnection;
    readonly sip: { ipv4: { udp: { address?: string } } };
    readonly maxSessions: number;
    readonly currentSessions: number;
    connected(): boolean;
    createEndpoint(opts?: CreateEndpointOptions): Promise<Endpoint>;
    api(command: string): Promise<string>;
    disconnect(): void;
  }

  export interface ConnectOptions {
    address: string;
    port?: number;
    secret?: string;
    listenAddress?: string;
    listenPort?: number;
    advertisedAddress?: string;
    profile?: string;
  }

  export default class Mrf {
    constructor(srf: Srf, opts?: { customEvents?: string[] });
    connect(opts: ConnectOptions): Promise<MediaServer>;
  }
}
