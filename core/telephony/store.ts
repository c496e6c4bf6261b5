// Platform telephony kept by operators: access numbers, trunks, dial plans, rates.
// None of these belong to an account.
import type { Rate, Direction, DestinationClass } from '../billing/rating.ts';

export type AccessNumberKind = 'meeting' | 'multi_party';
export type Language = 'zh-CN' | 'en';

export interface AccessNumber {
  id: string;
  number: string;
  kind: AccessNumberKind;
  language: Language;
  description: string;
  trunkId: string | null;
  enabled: boolean;
}

export type NewAccessNumber = Pick<AccessNumber, 'number' | 'kind'> & Partial<Omit<AccessNumber, 'id' | 'number' | 'kind'>>;

export interface AccessNumberStore {
  create(input: NewAccessNumber): Promise<AccessNumber>;
  get(id: string): Promise<AccessNumber>;
  /** The IVR's look-up by the dialled number (Request-URI user part). */
  findByNumber(number: string): Promise<AccessNumber | undefined>;
  list(): Promise<AccessNumber[]>;
  update(id: string, patch: Partial<Omit<AccessNumber, 'id'>>): Promise<AccessNumber>;
  delete(id: string): Promise<void>;
}

export interface DialPlanRule {
  /** JS regular expression over the E.164 number ('+' included). */
  pattern: string;
  /** Replacement with $1… groups. */
  replacement: string;
  description: string;
}

export interface DialPlan {
  id: string;
  name: string;
  description: string;
  /** In order; the first match applies. */
  rules: DialPlanRule[];
}

export interface Trunk {
  id: string;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  authUsername: string | null;
  authPassword: string | null;
  callerId: string | null;
  maxConcurrent: number;
  maxCallsPerSecond: number;
  dialPlanId: string | null;
  /** The trunk tried next when this one answers 503 or does not answer at all. */
  failoverTrunkId: string | null;
  enabled: boolean;
}

export type NewTrunk = Pick<Trunk, 'name' | 'host'> & Partial<Omit<Trunk, 'id' | 'name' | 'host'>>;

export interface TrunkStore {
  create(input: NewTrunk): Promise<Trunk>;
  get(id: string): Promise<Trunk>;
  list(): Promise<Trunk[]>;
  update(id: string, patch: Partial<Omit<Trunk, 'id'>>): Promise<Trunk>;
  delete(id: string): Promise<void>;
  /** Replaces the plan's rules; ValidationError for a pattern that is not a valid regular expression. */
  saveDialPlan(input: { id?: string; name: string; description?: string; rules: DialPlanRule[] }): Promise<DialPlan>;
  getDialPlan(id: string): Promise<DialPlan>;
  listDialPlans(): Promise<DialPlan[]>;
  /** NotFoundError when absent; its rules go with it, trunks using it keep no plan. */
  deleteDialPlan(id: string): Promise<void>;
}

export interface NewRate {
  direction: Direction;
  destinationClass: DestinationClass;
  accessNumberId?: string | null;
  prefix?: string | null;
  perMinuteMinor: number;
  incrementS?: number;
  description?: string;
}

export interface RateStore {
  create(input: NewRate): Promise<Rate>;
  /** Insert or replace the rate for the same destination. */
  upsert(input: NewRate): Promise<Rate>;
  list(): Promise<Rate[]>;
  update(id: string, patch: { perMinuteMinor?: number; incrementS?: number; description?: string }): Promise<Rate>;
  delete(id: string): Promise<void>;
}
