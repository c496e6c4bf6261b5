// The identifiers a user agent makes up (RFC 3261 §8.1.1.3 tag, §8.1.1.4
// Call-ID, §8.1.1.7 branch): random enough to be unique in space and time.
import { randomBytes } from 'node:crypto';

/** A From or To tag (§19.3: at least 32 bits of randomness; we use 48). */
export function newTag(): string { return randomBytes(6).toString('hex'); }
/** A Via branch, starting with the magic cookie z9hG4bK (§8.1.1.7). */
export function newBranch(): string { return `z9hG4bK${randomBytes(8).toString('hex')}`; }
/** A Call-ID, word "@" host (§20.8). */
export function newCallId(host: string): string { return `${randomBytes(12).toString('hex')}@${host}`; }
