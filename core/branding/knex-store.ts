// Branding on PostgreSQL and PGlite (see store.ts).
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { date, num } from '../sql.ts';
import type { LogoType } from './image.ts';
import type { Branding, BrandingPatch, BrandingStore, LogoFile } from './store.ts';

type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const toBranding = (r: Row): Branding => ({
  accountId: String(r.account_id), token: String(r.public_token),
  logo: r.logo_sha256 === null || r.logo_sha256 === undefined ? null : {
    sha256: String(r.logo_sha256), contentType: String(r.content_type) as LogoType, width: num(r.width), height: num(r.height), bytes: num(r.bytes),
  },
  primaryColor: str(r.primary_color), accentColor: str(r.accent_color), slogan: str(r.slogan), updatedAt: date(r.updated_at),
});

/** The row with its logo's facts (never the bytes). */
const COLUMNS = ['b.account_id', 'b.public_token', 'b.logo_sha256', 'b.primary_color', 'b.accent_color', 'b.slogan', 'b.updated_at',
  'l.content_type', 'l.width', 'l.height'];

/**
 * Deletes the logo files nothing needs any more: no account shows them and no
 * mail waiting to be sent (queued, or kept in the outbox) names them inline.
 * Run when a logo is replaced or removed and on a reset.
 */
async function pruneLogos(db: Knex | Knex.Transaction): Promise<void> {
  await db('branding_logos as l')
    .whereNotExists((q) => q.select(db.raw('1')).from('account_branding as b').whereRaw('b.logo_sha256 = l.sha256'))
    .whereNotExists((q) => q.select(db.raw('1')).from('mail_outbox as m').whereIn('m.status', ['queued', 'outbox'])
      .whereNotNull('m.inline').whereRaw("m.inline @> jsonb_build_array(jsonb_build_object('sha256', l.sha256))"))
    .delete();
}

export class KnexBrandingStore implements BrandingStore {
  constructor(private readonly db: Knex) {}

  private select() {
    return this.db('account_branding as b').leftJoin('branding_logos as l', 'l.sha256', 'b.logo_sha256')
      .select(...COLUMNS, this.db.raw('octet_length(l.content) as bytes'));
  }

  async get(accountId: string): Promise<Branding | null> {
    const row = await this.select().where('b.account_id', accountId).first() as Row | undefined;
    return row ? toBranding(row) : null;
  }

  async list(): Promise<Branding[]> {
    return (await this.select().orderBy('b.account_id') as Row[]).map(toBranding);
  }

  async byToken(token: string): Promise<Branding | null> {
    if (!/^[0-9a-f]{32}$/.test(token)) return null;
    const row = await this.select().where('b.public_token', token).first() as Row | undefined;
    return row ? toBranding(row) : null;
  }

  async set(accountId: string, patch: BrandingPatch, now: Date): Promise<Branding> {
    const update: Row = { public_token: randomBytes(16).toString('hex'), updated_at: now };
    if (patch.primaryColor !== undefined) update.primary_color = patch.primaryColor;
    if (patch.accentColor !== undefined) update.accent_color = patch.accentColor;
    if (patch.slogan !== undefined) update.slogan = patch.slogan;
    await this.db.transaction(async (trx) => {
      if (patch.logo) {
        const { sha256, contentType, width, height, content } = patch.logo;
        await trx('branding_logos').insert({ sha256, content_type: contentType, width, height, content }).onConflict('sha256').ignore();
      }
      if (patch.logo !== undefined) update.logo_sha256 = patch.logo?.sha256 ?? null;
      await trx('account_branding').insert({ account_id: accountId, ...update }).onConflict('account_id').merge(Object.keys(update));
      if (patch.logo !== undefined) await pruneLogos(trx);
    });
    const b = await this.get(accountId);
    if (!b) throw new Error(`branding of ${accountId} vanished after it was set`);
    return b;
  }

  async reset(accountId: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const gone = await trx('account_branding').where({ account_id: accountId }).delete().returning('account_id') as Row[];
      await pruneLogos(trx);
      return gone.length > 0;
    });
  }

  async logoFile(sha256: string): Promise<LogoFile | undefined> {
    const row = await this.db('branding_logos').where({ sha256 }).first('content_type', 'content') as Row | undefined;
    if (!row) return undefined;
    const c = row.content as Uint8Array;
    return { contentType: String(row.content_type) as LogoType, content: Buffer.from(c.buffer, c.byteOffset, c.byteLength) };
  }
}
