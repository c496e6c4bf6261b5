// The migrations in order. knex loads them through this list (see
// core/db.ts) rather than by scanning the folder, so they work the same
// under tsx, in tests and in a bundled build. Never rename an entry.
import type { Knex } from 'knex';
import * as m001 from './001_accounts_users.ts';
import * as m002 from './002_telephony.ts';
import * as m003 from './003_rooms.ts';
import * as m004 from './004_contacts.ts';
import * as m005 from './005_conferences.ts';
import * as m006 from './006_billing_audit.ts';
import * as m007 from './007_cdr_report_index.ts';
import * as m008 from './008_web_sessions_outbox.ts';
import * as m009 from './009_live.ts';
import * as m010 from './010_invites.ts';
import * as m011 from './011_dialer.ts';
import * as m012 from './012_dial_out_policy.ts';
import * as m013 from './013_scheduler.ts';
import * as m014 from './014_recordings_balance.ts';
import * as m015 from './015_summary_retention.ts';
import * as m016 from './016_cdr_dead_letters.ts';
import * as m017 from './017_members.ts';
import * as m018 from './018_api_tokens.ts';
import * as m019 from './019_webhooks.ts';
import * as m020 from './020_branding.ts';
import * as m021 from './021_webrtc_listen.ts';
import * as m022 from './022_cluster.ts';
import * as m023 from './023_relay_direction.ts';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ['001_accounts_users', m001],
  ['002_telephony', m002],
  ['003_rooms', m003],
  ['004_contacts', m004],
  ['005_conferences', m005],
  ['006_billing_audit', m006],
  ['007_cdr_report_index', m007],
  ['008_web_sessions_outbox', m008],
  ['009_live', m009],
  ['010_invites', m010],
  ['011_dialer', m011],
  ['012_dial_out_policy', m012],
  ['013_scheduler', m013],
  ['014_recordings_balance', m014],
  ['015_summary_retention', m015],
  ['016_cdr_dead_letters', m016],
  ['017_members', m017],
  ['018_api_tokens', m018],
  ['019_webhooks', m019],
  ['020_branding', m020],
  ['021_webrtc_listen', m021],
  ['022_cluster', m022],
  ['023_relay_direction', m023],
];
