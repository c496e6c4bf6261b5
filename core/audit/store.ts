// The audit log: who changed what, when.
export interface AuditEntry {
  id: number;
  accountId: string | null;
  userId: string | null;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  at: Date;
}

export type NewAuditEntry = Pick<AuditEntry, 'actor' | 'action'> & Partial<Omit<AuditEntry, 'id' | 'actor' | 'action'>>;

export interface AuditStore {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** An account's entries, newest first; `userId`: only what that member did. */
  list(accountId: string, opts?: { limit?: number; action?: string; userId?: string }): Promise<AuditEntry[]>;
  /** Platform-wide entries for operators. */
  listAll(opts?: { limit?: number; action?: string }): Promise<AuditEntry[]>;
}
