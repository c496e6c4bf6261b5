// Per-room PIN lockout (SPEC §2.3): ten failures on one room within ten
// minutes block PIN entry on that room for ten minutes. Counted across
// calls, in memory on the node that hosts the room.
export interface PinLockoutOptions {
  failures: number;
  windowMs: number;
  blockMs: number;
}

export class PinLockout {
  private readonly failuresByRoom = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(private readonly opts: PinLockoutOptions) {}

  /** Is PIN entry on this room blocked at `now`? */
  isBlocked(roomId: string, now: number): boolean {
    const until = this.blockedUntil.get(roomId);
    if (until === undefined) return false;
    if (now < until) return true;
    this.blockedUntil.delete(roomId);
    return false;
  }

  /** Records one wrong PIN; true when this failure starts a block. */
  fail(roomId: string, now: number): boolean {
    const recent = (this.failuresByRoom.get(roomId) ?? []).filter((t) => now - t < this.opts.windowMs);
    recent.push(now);
    if (recent.length >= this.opts.failures) {
      this.failuresByRoom.delete(roomId);
      this.blockedUntil.set(roomId, now + this.opts.blockMs);
      return true;
    }
    this.failuresByRoom.set(roomId, recent);
    return false;
  }

  /** When the room's block ends (epoch ms), if it is blocked. */
  blockEnds(roomId: string): number | undefined {
    return this.blockedUntil.get(roomId);
  }

  /** Failures counted now (for tests and the console). */
  failures(roomId: string, now: number): number {
    return (this.failuresByRoom.get(roomId) ?? []).filter((t) => now - t < this.opts.windowMs).length;
  }
}
