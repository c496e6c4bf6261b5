// Types for baresip-ctrl.mjs (importable from the TypeScript tests).
export interface BaresipEvent {
  type: string;
  class?: string;
  param?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  [key: string]: unknown;
}

export interface BaresipResponse {
  response: true;
  ok: boolean;
  data?: string;
  token?: string;
}

export class BaresipCtrl {
  constructor(port: number, host?: string, timeoutMs?: number);
  readonly events: BaresipEvent[];
  connect(): Promise<void>;
  command(command: string, params?: string, token?: string): Promise<BaresipResponse>;
  dtmf(digits: string, gapMs?: number): Promise<{ ok: boolean }>;
  waitEvent(type: string, timeoutMs?: number): Promise<BaresipEvent>;
  close(): void;
}
