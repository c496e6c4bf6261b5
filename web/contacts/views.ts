// JSON shapes of contacts as the API returns them.
import type { ContactEntry } from './service.ts';
import type { ContactsPreview } from './preview.ts';
import { formatPhone } from '../views/format.ts';

export function contactJson({ contact: c, groups }: ContactEntry, region: string) {
  return {
    id: c.id, name: c.name, phone: c.phone, phoneDisplay: formatPhone(c.phone, region), email: c.email, company: c.company, note: c.note,
    groups, createdAt: c.createdAt.toISOString(),
  };
}

export function previewJson(p: ContactsPreview, region: string) {
  return { counts: p.counts, rows: p.rows.map((r) => ({ ...r, phoneDisplay: r.phone ? formatPhone(r.phone, region) : null })) };
}
