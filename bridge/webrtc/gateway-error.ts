// Why the gateway refused a join: the SIP final status (the bridge's refusal,
// 400/488 for a browser offer we cannot use, 503 when full or closed, 504 when
// the bridge or ICE gathering did not finish within the join timeout).
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(readonly status: number, message: string) { super(message); }
}
