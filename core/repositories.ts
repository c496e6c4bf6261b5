// Every store over one database: what the IVR and the web are handed.
import type { Knex } from 'knex';
import type { AccountStore } from './accounts/store.ts';
import { KnexAccountStore } from './accounts/knex-store.ts';
import type { UserStore } from './users/store.ts';
import { KnexUserStore } from './users/knex-store.ts';
import type { MemberStore } from './members/store.ts';
import { KnexMemberStore } from './members/knex-store.ts';
import type { AccessNumberStore, RateStore, TrunkStore } from './telephony/store.ts';
import { KnexAccessNumberStore, KnexRateStore, KnexTrunkStore } from './telephony/knex-store.ts';
import type { RoomStore, TemplateStore } from './rooms/store.ts';
import { KnexRoomStore, KnexTemplateStore, type RoomStoreOptions } from './rooms/knex-store.ts';
import type { ContactStore } from './contacts/store.ts';
import { KnexContactStore } from './contacts/knex-store.ts';
import type { ConvenerStore } from './conveners/store.ts';
import { KnexConvenerStore } from './conveners/knex-store.ts';
import type { ConferenceStore } from './conferences/store.ts';
import { KnexConferenceStore } from './conferences/knex-store.ts';
import type { InviteStore } from './invites/store.ts';
import { KnexInviteStore } from './invites/knex-store.ts';
import type { RecordingStore } from './recordings/store.ts';
import { KnexLowBalanceStore, type LowBalanceStore } from './billing/low-balance.ts';
import { KnexRecordingStore } from './recordings/knex-store.ts';
import type { AuditStore } from './audit/store.ts';
import { KnexAuditStore } from './audit/knex-store.ts';
import type { CdrStore } from './cdr/store.ts';
import { KnexCdrStore } from './cdr/knex-store.ts';
import type { CapacityStore } from './capacity/store.ts';
import { KnexCapacityStore } from './capacity/knex-store.ts';
import type { SessionStore } from './sessions/store.ts';
import { KnexSessionStore } from './sessions/knex-store.ts';
import type { OutboxStore } from './outbox/store.ts';
import { KnexOutboxStore } from './outbox/knex-store.ts';
import type { AlertStore } from './alerts/store.ts';
import { KnexAlertStore } from './alerts/knex-store.ts';
import type { DialOutStore } from './dial-out/store.ts';
import { KnexDialOutStore } from './dial-out/knex-store.ts';
import type { JobStore } from './scheduler/store.ts';
import { KnexJobStore } from './scheduler/knex-store.ts';
import type { CalendarStore } from './calendar/store.ts';
import { KnexCalendarStore } from './calendar/knex-store.ts';
import type { MeetingRecordsStore } from './meeting-records/store.ts';
import { KnexMeetingRecordsStore } from './meeting-records/knex-store.ts';
import type { BrandingStore } from './branding/store.ts';
import { KnexBrandingStore } from './branding/knex-store.ts';
import type { ApiTokenStore } from './tokens/store.ts';
import { KnexApiTokenStore } from './tokens/knex-store.ts';
import type { WebhookStore } from './webhooks/store.ts';
import { KnexWebhookStore } from './webhooks/knex-store.ts';
import type { ListenLinkStore } from './listen-links/store.ts';
import { KnexListenLinkStore } from './listen-links/knex-store.ts';
import type { ClusterStore } from './cluster/store.ts';
import { KnexClusterStore } from './cluster/knex-store.ts';
import { KnexPinFailureStore, type PinFailureStore } from './cluster/pin-failures.ts';

export interface Repositories {
  accounts: AccountStore;
  users: UserStore;
  /** An account's members: invitations, roles, freezing, removal. */
  members: MemberStore;
  accessNumbers: AccessNumberStore;
  trunks: TrunkStore;
  rates: RateStore;
  rooms: RoomStore;
  templates: TemplateStore;
  contacts: ContactStore;
  conveners: ConvenerStore;
  conferences: ConferenceStore;
  invites: InviteStore;
  recordings: RecordingStore;
  /** The owner's low-balance warning: threshold, crossing, mail claim. */
  lowBalance: LowBalanceStore;
  audit: AuditStore;
  cdrs: CdrStore;
  capacity: CapacityStore;
  sessions: SessionStore;
  outbox: OutboxStore;
  /** Live console alerts (help requested, PIN lockout). */
  alerts: AlertStore;
  /** Toll fraud: accounts' dial-out classes and caps, the platform's blocked prefixes. */
  dialOut: DialOutStore;
  /** Timed work (reminders) claimed by the scheduler processes. */
  jobs: JobStore;
  /** Meetings' invitees and .ics SEQUENCE. */
  calendar: CalendarStore;
  /** Summary-mail and retention settings; summaries due; old meeting logs deleted. */
  meetingRecords: MeetingRecordsStore;
  /** Accounts' logos, colours and slogans; the logo files. */
  branding: BrandingStore;
  /** API tokens: hashed, scoped, expiring (issue 19). */
  apiTokens: ApiTokenStore;
  /** Webhook endpoints and their deliveries (an outbox with attempts). */
  webhooks: WebhookStore;
  /** Listen-in links of rooms (issue 17): password hash, expiry, most listeners, revoked. */
  listenLinks: ListenLinkStore;
  /** Bridge nodes, their heartbeats, which node hosts a conference, the sweep of a dead node (issue 18). */
  cluster: ClusterStore;
  /** Wrong PINs of every node, shared by the nodes' lockouts. */
  pinFailures: PinFailureStore;
  /**
   * Runs `work` with stores over one database transaction: everything it
   * writes is committed together, or nothing is when it throws (the error
   * comes back out). A store's own transactions inside become savepoints.
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}

export interface RepositoryOptions {
  /** Region for numbers without a country code, and the "domestic" of rating (BRIDGE_DEFAULT_REGION, default CN). */
  defaultRegion?: string;
  rooms?: RoomStoreOptions;
}

export function createRepositories(db: Knex, opts: RepositoryOptions = {}): Repositories {
  const region = opts.defaultRegion ?? 'CN';
  const rooms = new KnexRoomStore(db, opts.rooms);
  return {
    accounts: new KnexAccountStore(db),
    users: new KnexUserStore(db),
    members: new KnexMemberStore(db),
    accessNumbers: new KnexAccessNumberStore(db),
    trunks: new KnexTrunkStore(db),
    rates: new KnexRateStore(db),
    rooms,
    templates: new KnexTemplateStore(db),
    contacts: new KnexContactStore(db, { defaultRegion: region }),
    conveners: new KnexConvenerStore(db, rooms),
    conferences: new KnexConferenceStore(db),
    invites: new KnexInviteStore(db),
    recordings: new KnexRecordingStore(db),
    lowBalance: new KnexLowBalanceStore(db),
    audit: new KnexAuditStore(db),
    cdrs: new KnexCdrStore(db, { homeRegion: region }),
    capacity: new KnexCapacityStore(db),
    sessions: new KnexSessionStore(db),
    outbox: new KnexOutboxStore(db),
    alerts: new KnexAlertStore(db),
    dialOut: new KnexDialOutStore(db),
    jobs: new KnexJobStore(db),
    calendar: new KnexCalendarStore(db),
    meetingRecords: new KnexMeetingRecordsStore(db),
    branding: new KnexBrandingStore(db),
    apiTokens: new KnexApiTokenStore(db),
    webhooks: new KnexWebhookStore(db),
    listenLinks: new KnexListenLinkStore(db),
    cluster: new KnexClusterStore(db),
    pinFailures: new KnexPinFailureStore(db),
    transaction: (work) => db.transaction((trx) => work(createRepositories(trx, opts))),
  };
}
