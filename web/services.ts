// What the feature folders are handed: the core repositories and the web's
// own services, built once in createWebApp.
import type { Knex } from 'knex';
import type { Repositories } from '../core/repositories.ts';
import type { WebConfig } from './config.ts';
import type { MailService } from './mail/mailer.ts';
import type { OutboxStore } from './mail/outbox-store.ts';
import type { SessionStore } from './auth/session-store.ts';
import type { RoomService } from './rooms/service.ts';
import type { BillingService } from './billing/service.ts';
import type { CapacityService } from './operator/capacity.ts';
import type { AuthService } from './auth/service.ts';

export interface WebServices {
  db: Knex;
  repos: Repositories;
  config: WebConfig;
  now: () => Date;
  mail: MailService;
  outbox: OutboxStore;
  sessions: SessionStore;
  auth: AuthService;
  rooms: RoomService;
  billing: BillingService;
  capacity: CapacityService;
}
