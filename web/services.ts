// What the feature folders are handed: the web's services, built once in
// createWebApp over core's stores. Routes and pages talk to these, never to
// the stores or the database.
import type { WebConfig } from './config.ts';
import type { MailService } from './mail/mailer.ts';
import type { AuthService } from './auth/service.ts';
import type { AccountService } from './account/service.ts';
import type { RoomService } from './rooms/service.ts';
import type { TemplateService } from './rooms/template-service.ts';
import type { ContactService } from './contacts/service.ts';
import type { BillingService } from './billing/service.ts';
import type { HistoryService } from './history/service.ts';
import type { OperatorService } from './operator/service.ts';
import type { CapacityService } from './operator/capacity.ts';
import type { LiveService } from './live/service.ts';
import type { TrunkAdminService } from './operator/trunks.ts';
import type { DialOutAdminService } from './operator/dial-out.ts';
import type { RecordingService } from './recordings/service.ts';
import type { LowBalanceService } from './account/low-balance.ts';
import type { MeetingRecordsService } from './meeting-records/service.ts';
import type { BrandingService } from './branding/service.ts';
import type { TokenService } from './tokens/service.ts';
import type { WebhookService } from './webhooks/service.ts';
import type { ScopeService } from './members/scope.ts';
import type { MemberService } from './members/service.ts';
import type { BrowserJoinService } from './join/join-service.ts';
import type { ListenService } from './join/listen-service.ts';

export interface WebServices {
  config: WebConfig;
  now: () => Date;
  mail: MailService;
  auth: AuthService;
  account: AccountService;
  rooms: RoomService;
  templates: TemplateService;
  contacts: ContactService;
  billing: BillingService;
  history: HistoryService;
  operator: OperatorService;
  capacity: CapacityService;
  trunks: TrunkAdminService;
  dialOut: DialOutAdminService;
  live: LiveService;
  recordings: RecordingService;
  lowBalance: LowBalanceService;
  /** Summary mail and retention settings. */
  meetingRecords: MeetingRecordsService;
  /** Accounts' logos, colours and slogans. */
  branding: BrandingService;
  /** API tokens: made, listed, revoked; and the caller a bearer token stands for. */
  tokens: TokenService;
  /** Webhook endpoints, their delivery log, and publishing events to them. */
  webhooks: WebhookService;
  /** Organizer scoping: which of the account's rooms (and their records) a member sees. */
  scope: ScopeService;
  /** The account's members: invitations, roles, freezing, directory import, audit log. */
  members: MemberService;
  /** Joining from a browser: PIN, WebRTC offer through the gateway, mute, the room's state (issue 17). */
  join: BrowserJoinService;
  /** Listen-in links: the owner's, and the public listener's (issue 17). */
  listen: ListenService;
}
