// Password rules and hashing: argon2id; 8+ characters with 3 of 4 classes;
// three wrong passwords lock the login for three minutes.
import argon2 from 'argon2';
import { ValidationError } from '../errors.ts';

export const LOCKOUT_AFTER_FAILURES = 3;
export const LOCKOUT_MS = 3 * 60_000;

export function checkPasswordPolicy(password: string): void {
  if (password.length < 8) throw new ValidationError('password must have at least 8 characters', 'password');
  if (password.length > 256) throw new ValidationError('password is too long', 'password');
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) {
    throw new ValidationError('password needs 3 of: lower-case, upper-case, digits, other characters', 'password');
  }
}

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false; // malformed hash: treat as a wrong password, never as a pass
  }
}
