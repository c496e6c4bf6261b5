// The project's small error hierarchy. Branch on the class and its fields,
// never on message text.

/** Malformed input on the wire (SIP, SDP, RTP, WAV). */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(message: string, readonly offset?: number) { super(message); }
}

/** A failure with a SIP status to answer with. */
export class SipError extends Error {
  override readonly name = 'SipError';
  constructor(readonly status: number, message: string, readonly q850?: number) { super(message); }
}

/** A method called on an object in the wrong state (closed, not answered, …). */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
}

/** A call that ended or failed with a Q.850 cause. */
export class CallFailedError extends Error {
  override readonly name = 'CallFailedError';
  constructor(readonly q850: number, readonly sipStatus: number | undefined, message: string) { super(message); }
}

/** Bad configuration, found at start-up. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
