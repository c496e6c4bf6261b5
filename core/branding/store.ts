// An account's branding (issue 19): logo, primary and accent colours,
// slogan. The logo files are kept by the SHA-256 of their bytes; the row's
// public token (random, new on every change) names the public logo and
// stylesheet URLs. Values reach the store already checked (image.ts,
// colour.ts, slogan.ts); the database checks the same bounds (migration 020).
import type { LogoType } from './image.ts';

export interface LogoMeta {
  sha256: string;
  contentType: LogoType;
  width: number;
  height: number;
  bytes: number;
}

export interface Branding {
  accountId: string;
  /** 32 hex digits, unguessable, new on every change. */
  token: string;
  logo: LogoMeta | null;
  /** #rrggbb or null (the default look). */
  primaryColor: string | null;
  accentColor: string | null;
  slogan: string | null;
  updatedAt: Date;
}

export interface LogoFile {
  contentType: LogoType;
  content: Buffer;
}

/** What a change sets; an absent field stays as it is, null clears it. */
export interface BrandingPatch {
  primaryColor?: string | null;
  accentColor?: string | null;
  slogan?: string | null;
  logo?: (Omit<LogoMeta, 'bytes'> & { content: Buffer }) | null;
}

export interface BrandingStore {
  /** null: the account has the default look. */
  get(accountId: string): Promise<Branding | null>;
  /** Every branded account's branding (the operators' accounts page). */
  list(): Promise<Branding[]>;
  /** The branding whose current token this is. */
  byToken(token: string): Promise<Branding | null>;
  /** Applies the patch (creating the row), with a new token; a replaced logo's file goes unless another account or a waiting mail needs it. */
  set(accountId: string, patch: BrandingPatch, now: Date): Promise<Branding>;
  /** Back to the default look; false when it had it already. A logo file stays while a mail waiting to be sent names it. */
  reset(accountId: string): Promise<boolean>;
  /** A stored logo file by its SHA-256 (for the public URL and for a mail's inline part). */
  logoFile(sha256: string): Promise<LogoFile | undefined>;
}
