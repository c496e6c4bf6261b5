// The rating engine: pure integer arithmetic in minor units.
// A call's billable seconds (answer → end) are rounded up to the rate's
// billing increment; the cost is per-minute × billed seconds / 60, rounded
// up to the next minor unit. Nothing here touches the database.
import { CallRefusedError } from '../errors.ts';
import { classifyDestination, type DialOutClass } from './destination.ts';

/** 'webrtc': a browser's leg through the WebRTC gateway (issue 17), rated by the platform's one webrtc rate. */
export type Direction = 'in' | 'out' | 'webrtc';
export type DestinationClass = 'access_number' | 'webrtc' | DialOutClass;

export interface Rate {
  id: string;
  direction: Direction;
  destinationClass: DestinationClass;
  /** Dial-in rates: the access number they apply to. */
  accessNumberId: string | null;
  /** International rates: digit prefix of the E.164 number; null = default. */
  prefix: string | null;
  perMinuteMinor: number;
  incrementS: number;
}

/** What is being rated: a dial-in on an access number, a dial-out to a number, or a browser's leg. */
export type Destination =
  | { kind: 'access_number'; accessNumberId: string }
  | { kind: 'webrtc' }
  | { kind: 'number'; e164: string; homeRegion?: string };

export interface RatedCall {
  rate: Rate;
  destinationClass: DestinationClass;
  billedSeconds: number;
  costMinor: number;
}

/** The rate for a destination, or undefined when none applies. Longest prefix wins internationally. */
export function findRate(rates: readonly Rate[], direction: Direction, dest: Destination): Rate | undefined {
  if (dest.kind === 'access_number') {
    if (direction !== 'in') return undefined;
    return rates.find((r) => r.direction === 'in' && r.accessNumberId === dest.accessNumberId);
  }
  if (dest.kind === 'webrtc') return direction === 'webrtc' ? rates.find((r) => r.direction === 'webrtc' && r.destinationClass === 'webrtc') : undefined;
  if (direction !== 'out') return undefined;
  const c = classifyDestination(dest.e164, dest.homeRegion);
  if (c.class !== 'international') {
    return rates.find((r) => r.direction === 'out' && r.destinationClass === c.class);
  }
  let best: Rate | undefined;
  for (const r of rates) {
    if (r.direction !== 'out' || r.destinationClass !== 'international') continue;
    const p = r.prefix ?? '';
    if (!c.digits.startsWith(p)) continue;
    if (!best || p.length > (best.prefix ?? '').length) best = r;
  }
  return best;
}

export function destinationClassOf(dest: Destination): DestinationClass {
  if (dest.kind === 'access_number') return 'access_number';
  if (dest.kind === 'webrtc') return 'webrtc';
  return classifyDestination(dest.e164, dest.homeRegion).class;
}

/** Seconds rounded up to whole increments; 0 stays 0 (unanswered calls are free). */
export function billedSeconds(billableSeconds: number, incrementS: number): number {
  if (!Number.isInteger(billableSeconds) || billableSeconds < 0) throw new RangeError(`bad billable seconds ${billableSeconds}`);
  if (!Number.isInteger(incrementS) || incrementS <= 0) throw new RangeError(`bad increment ${incrementS}`);
  return Math.ceil(billableSeconds / incrementS) * incrementS;
}

/** Cost in minor units, rounded up: ceil(seconds × perMinute / 60), in integers. */
export function costOf(seconds: number, perMinuteMinor: number): number {
  return Math.floor((seconds * perMinuteMinor + 59) / 60);
}

export interface RateCallInput {
  direction: Direction;
  destination: Destination;
  billableSeconds: number;
  rates: readonly Rate[];
}

/** Rate one call; throws CallRefusedError('no_rate') when no rate applies. */
export function rateCall(input: RateCallInput): RatedCall {
  const rate = findRate(input.rates, input.direction, input.destination);
  if (!rate) {
    throw new CallRefusedError('no_rate', 57, `no ${input.direction} rate for ${describe(input.destination)}`);
  }
  const billed = billedSeconds(input.billableSeconds, rate.incrementS);
  return { rate, destinationClass: rate.destinationClass, billedSeconds: billed, costMinor: costOf(billed, rate.perMinuteMinor) };
}

function describe(d: Destination): string {
  return d.kind === 'access_number' ? `access number ${d.accessNumberId}` : d.kind === 'webrtc' ? 'webrtc' : d.e164;
}

/** Billable seconds of a leg: answer → end, whole seconds rounded up; 0 if never answered. */
export function billableSecondsOf(answeredAt: Date | null, endedAt: Date): number {
  if (!answeredAt) return 0;
  const ms = endedAt.getTime() - answeredAt.getTime();
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}
