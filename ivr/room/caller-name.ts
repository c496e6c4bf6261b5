// A name for a participant who gave none: the account's contact with the
// caller's number (one indexed query; the first contact when several share
// the number). Numbers that are not phone numbers (SIP URIs) have none.
import { ValidationError } from '../../core/errors.ts';
import type { ContactStore } from '../../core/contacts/store.ts';
import { toStoredNumber } from '../../core/phone/normalise.ts';

export async function contactName(contacts: Pick<ContactStore, 'findByPhone'>, accountId: string, number: string, region: string): Promise<string | null> {
  let stored: string;
  try {
    stored = toStoredNumber(number, { defaultRegion: region });
  } catch (err) {
    if (err instanceof ValidationError) return null;
    throw err;
  }
  const [first] = await contacts.findByPhone(accountId, stored);
  return first?.name ?? null;
}
