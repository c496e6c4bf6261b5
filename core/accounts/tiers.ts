// Account tiers and what they allow.
import { ValidationError } from '../errors.ts';

export type Tier = 'trial' | 'formal' | 'vip';
export const TIERS: readonly Tier[] = ['trial', 'formal', 'vip'];

export interface TierLimits {
  /** Most participants a room may allow; null = unlimited (capacity is then the platform's ports). */
  maxParticipants: number | null;
  /** Used when a room does not say. */
  defaultMaxParticipants: number;
}

export const TIER_LIMITS: Readonly<Record<Tier, TierLimits>> = {
  trial: { maxParticipants: 10, defaultMaxParticipants: 10 },
  formal: { maxParticipants: 600, defaultMaxParticipants: 600 },
  vip: { maxParticipants: null, defaultMaxParticipants: 1000 },
};

export function isTier(s: string): s is Tier {
  return (TIERS as readonly string[]).includes(s);
}

/** The room's max participants, defaulted and checked against the tier cap. */
export function resolveMaxParticipants(tier: Tier, requested?: number | null): number {
  const limits = TIER_LIMITS[tier];
  if (requested === undefined || requested === null) return limits.defaultMaxParticipants;
  if (!Number.isInteger(requested) || requested < 1) throw new ValidationError('max participants must be a positive whole number', 'maxParticipants');
  if (limits.maxParticipants !== null && requested > limits.maxParticipants) {
    throw new ValidationError(`the ${tier} tier allows at most ${limits.maxParticipants} participants`, 'maxParticipants');
  }
  return requested;
}
