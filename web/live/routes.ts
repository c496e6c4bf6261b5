// The live console's JSON API: the running conferences, one conference's
// snapshot, one POST per command (bodies are the command's own fields from
// core/live/messages.ts, so the API and the bus validate alike), the alerts,
// and the two event streams (web/live/events.ts). Every command is audited
// as `live.<type>` on the conference.
import { z } from 'zod';
import type { ApiRouter, RouteContext } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import { inviteTargetSchema, liveCommandSchema, MAX_INVITE_TARGETS, type LiveActor, type LiveCommand, type LiveCommandType } from '../../core/live/messages.ts';
import { ValidationError } from '../../core/errors.ts';
import { alertJson, listingJson } from './views.ts';
import { registerLiveStreams } from './events.ts';
import type { FeedTuning } from './feed.ts';
import { conferenceParams, participantParams } from './schemas.ts';

const TAG = 'live';


type ParticipantCommand = 'mute' | 'remove' | 'role' | 'hold' | 'volume';
type InviteCommand = 'invite' | 'invite-cancel' | 'invite-redial' | 'invite-absent';
type ConferenceCommand = Exclude<LiveCommandType, ParticipantCommand | InviteCommand>;

const PARTICIPANT_COMMANDS: Record<ParticipantCommand, string> = {
  mute: 'Mute or unmute a participant ({muted})',
  remove: 'Remove a participant (hung up)',
  role: 'Make a participant chair or guest ({role})',
  hold: 'Put a participant on hold with music, or resume ({held})',
  volume: 'Set a participant\'s talk and/or listen volume in dB ({talkDb?, listenDb?}, -18…18)',
};
const CONFERENCE_COMMANDS: Record<ConferenceCommand, string> = {
  'mute-all': 'Mute or unmute every guest ({muted})',
  lock: 'Lock or unlock the meeting: nobody new joins while locked ({locked})',
  record: 'Start or stop recording ({on})',
  extend: 'Extend the meeting by 15, 30, 45 or 60 minutes ({minutes})',
  limit: 'Raise or lower the participant limit within the account\'s tier ({max})',
  end: 'End the meeting: a goodbye, every leg hung up',
};

/** A command's body: its fields in the message set, less `type` and the participant (they are in the path). */
export function commandBody(type: LiveCommandType): z.ZodObject {
  const option = liveCommandSchema.options.find((o) => o.shape.type.value === type);
  if (!option) throw new Error(`no live command ${type}`);
  const shape: Record<string, z.ZodType> = { ...option.shape };
  delete shape.type;
  delete shape.participantId;
  return z.object(shape).strict();
}

type CommandCtx = RouteContext<{ conferenceId: string; participantId?: string }, Record<string, never>, Record<string, unknown>>;

async function runCommand(s: WebServices, c: CommandCtx, type: LiveCommandType): Promise<unknown> {
  await s.scope.conference(c, c.params.conferenceId); // another organizer's meeting: 404, as another account's
  const participant = c.params.participantId !== undefined ? { participantId: c.params.participantId } : {};
  const command: LiveCommand = liveCommandSchema.parse({ ...c.body, ...participant, type });
  if (command.type === 'volume' && command.talkDb === undefined && command.listenDb === undefined) {
    throw new ValidationError('give talkDb or listenDb', 'talkDb');
  }
  const actor: LiveActor = { kind: 'web', userId: c.userId, name: c.auth?.user.displayName ?? '' };
  const result = await s.live.command(c.account, c.params.conferenceId, command, actor);
  const { type: _type, ...data } = command;
  await c.audit(`live.${type}`, { target: { type: 'conference', id: c.params.conferenceId }, data });
  return result;
}

export function registerLiveRoutes(api: ApiRouter, s: WebServices, tuning?: FeedTuning): void {
  api.add({
    method: 'get', path: '/api/live', tag: TAG, access: 'account', summary: 'The account\'s running conferences (participant counts where the bridge answers) and open alerts',
    handler: async (c) => {
      const list = await s.scope.filter(c, await s.live.list(c.accountId), (x) => x.conference.roomId);
      const alerts = await s.scope.filter(c, await s.live.alerts(c.accountId), (a) => a.roomId);
      return { conferences: list.map(listingJson), alerts: alerts.map(alertJson) };
    },
  });
  // Before /api/live/:conferenceId, which would take "events" for an id.
  registerLiveStreams(api, s, tuning);
  api.add({
    method: 'get', path: '/api/live/:conferenceId', tag: TAG, access: 'account', summary: 'A running conference: its snapshot (participants and state) and open alerts',
    params: conferenceParams,
    handler: async (c) => {
      await s.scope.conference(c, c.params.conferenceId);
      const d = await s.live.detail(c.accountId, c.params.conferenceId);
      return { snapshot: d.snapshot, alerts: d.alerts.map(alertJson) };
    },
  });
  for (const [type, summary] of Object.entries(PARTICIPANT_COMMANDS) as Array<[ParticipantCommand, string]>) {
    api.add({
      method: 'post', path: `/api/live/:conferenceId/participants/:participantId/${type}`, tag: TAG, access: 'account', summary,
      params: participantParams, body: commandBody(type),
      handler: (c) => runCommand(s, c as unknown as CommandCtx, type),
    });
  }
  for (const [type, summary] of Object.entries(CONFERENCE_COMMANDS) as Array<[ConferenceCommand, string]>) {
    api.add({
      method: 'post', path: `/api/live/:conferenceId/${type}`, tag: TAG, access: 'account', summary,
      params: conferenceParams, body: commandBody(type),
      handler: (c) => runCommand(s, c as unknown as CommandCtx, type),
    });
  }
  registerInviteRoutes(api, s);
  registerAlertRoutes(api, s);
}

const inviteBody = z.object({
  targets: z.array(inviteTargetSchema).max(MAX_INVITE_TARGETS).default([]),
  contactIds: z.array(z.uuid()).max(MAX_INVITE_TARGETS).default([]),
  groupIds: z.array(z.uuid()).max(100).default([]),
}).strict();
const inviteParams = conferenceParams.extend({ inviteId: z.string().min(1).max(200) });

async function runInvite(s: WebServices, c: RouteContext<{ conferenceId: string }, Record<string, never>, unknown>, command: LiveCommand): Promise<unknown> {
  await s.scope.conference(c, c.params.conferenceId);
  const actor: LiveActor = { kind: 'web', userId: c.userId, name: c.auth?.user.displayName ?? '' };
  const result = await s.live.command(c.account, c.params.conferenceId, command, actor);
  const data = command.type === 'invite' ? { count: command.targets.length, targets: command.targets.slice(0, 20).map((t) => t.target) } : { ...command, type: undefined };
  await c.audit(`live.${command.type}`, { target: { type: 'conference', id: c.params.conferenceId }, data });
  return result;
}

function registerInviteRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'post', path: '/api/live/:conferenceId/invites', tag: TAG, access: 'account',
    summary: 'Call people into the meeting: {targets: [{target (number, number*ext or SIP URI), name?}], contactIds?, groupIds?} (at most 500; states arrive as invite events)',
    params: conferenceParams, body: inviteBody,
    handler: async (c) => {
      await s.scope.conference(c, c.params.conferenceId);
      await s.live.conference(c.accountId, c.params.conferenceId); // another account's: 404 before its contacts are looked at
      const targets = await s.live.inviteTargets(c.accountId, c.body);
      return runInvite(s, c as never, { type: 'invite', targets });
    },
  });
  api.add({
    method: 'post', path: '/api/live/:conferenceId/invites/absent', tag: TAG, access: 'account',
    summary: 'Call again every invitee whose last invite failed or ended and who is not in the meeting',
    params: conferenceParams, body: z.object({}).strict().optional(),
    handler: (c) => runInvite(s, c as never, { type: 'invite-absent' }),
  });
  for (const [action, type] of [['cancel', 'invite-cancel'], ['redial', 'invite-redial']] as const) {
    api.add({
      method: 'post', path: `/api/live/:conferenceId/invites/:inviteId/${action}`, tag: TAG, access: 'account',
      summary: action === 'cancel' ? 'Cancel an invite still queued, calling, ringing or waiting for the 1' : 'Call a finished invite again',
      params: inviteParams, body: z.object({}).strict().optional(),
      handler: (c) => runInvite(s, c as never, { type, inviteId: c.params.inviteId }),
    });
  }
}

function registerAlertRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/alerts', tag: TAG, access: 'account', summary: 'Open alerts (help requested, PIN lockout), newest first',
    handler: async (c) => (await s.scope.filter(c, await s.live.alerts(c.accountId), (a) => a.roomId)).map(alertJson),
  });
  api.add({
    method: 'post', path: '/api/alerts/:id/dismiss', tag: TAG, access: 'account', summary: 'Dismiss an alert (it stops showing on the live page and the dashboard)',
    params: idParams, body: z.object({}).strict().optional(),
    handler: async (c) => {
      await s.scope.alert(c, c.params.id);
      const alert = await s.live.dismiss(c.accountId, c.params.id, { userId: c.userId, at: c.now });
      await c.audit('live.alert.dismiss', { target: { type: 'alert', id: alert.id }, data: { kind: alert.kind, conferenceId: alert.conferenceId } });
      return alertJson(alert);
    },
  });
}
