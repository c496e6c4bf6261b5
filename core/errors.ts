// Domain errors of core/. Callers branch on the class and its fields.

/** A row that does not exist — or belongs to another account (never say which). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly entity: string, readonly id: string) { super(`${entity} ${id} not found`); }
}

/** Input that breaks a rule of the domain (bad PIN, invalid number, over the tier cap…). */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(message: string, readonly field?: string) { super(message); }
}

/** A unique value already taken (room number, username, group name…). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(message: string, readonly field?: string) { super(message); }
}

export type RefusalReason = 'account_frozen' | 'no_balance' | 'no_rate' | 'unknown_account';

/** A call the account may not make or take. `q850` is the cause to clear it with. */
export class CallRefusedError extends Error {
  override readonly name = 'CallRefusedError';
  constructor(readonly reason: RefusalReason, readonly q850: number, message: string) { super(message); }
}
