// The live console page (/live/:conferenceId): the participants table, the
// header and the controls, the alerts, all fed by the conference's event
// stream (`snapshot`, then events; see web/live/events.ts). Its parts are in
// live/: table.js and row.js (a thousand rows, updated row by row),
// controls.js, alerts.js, stream.js, invites.js (the invite panel).
import { api, msg } from './api.js';
import { ParticipantTable } from './live/table.js';
import { AlertList, refusalText } from './live/alerts.js';
import { LiveHeader, bindControls, sendCommand } from './live/controls.js';
import { openStream } from './live/stream.js';
import { InviteList, bindInviteForms } from './live/invites.js';
import { clockFormatter, dateTimeFormatter, fill } from './live/format.js';
import { watchListeners } from './live/listeners.js';

function showError(text) {
  const box = document.getElementById('page-error');
  box.textContent = text;
  box.hidden = false;
}

function banner(text) {
  const el = document.getElementById('live-banner');
  el.textContent = text;
  el.hidden = text === '';
}

/** What a row's button asks, from the participant as the page knows it. */
function rowCommand(act, p, volume) {
  switch (act) {
    case 'mute': return ['mute', { muted: !p.muted }];
    case 'remove': return window.confirm(fill(msg('js.live.confirmRemove'), { who: p.name || p.number })) ? ['remove', {}] : null;
    case 'role': return ['role', { role: p.role === 'chair' ? 'guest' : 'chair' }];
    case 'hold': return ['hold', { held: !p.held }];
    case 'vol-down': return ['volume', { talkDb: Math.max(volume.min, p.talkDb - volume.step) }];
    case 'vol-up': return ['volume', { talkDb: Math.min(volume.max, p.talkDb + volume.step) }];
    default: return null;
  }
}

function helpAlert(e, p) {
  return {
    id: e.alertId ?? `local:${e.participantId}:${e.at}`, kind: 'help', roomNumber: '', conferenceId: e.conferenceId, participantId: e.participantId,
    data: { name: p?.name ?? '', number: p?.number ?? '' }, raisedAt: e.at, resolvedAt: null,
  };
}

function lockoutAlert(e) {
  return {
    id: e.alertId ?? `local:lockout:${e.roomId}:${e.at}`, kind: 'lockout', roomNumber: e.roomNumber, conferenceId: e.conferenceId,
    participantId: null, data: { until: e.until }, raisedAt: e.at, resolvedAt: null,
  };
}

/** A cap reached raised the owner's alert (alertId): shown like the stored one. */
function dialOutAlert(e, roomNumber) {
  return {
    id: e.alertId, kind: 'dial_out', roomNumber, conferenceId: e.conferenceId, participantId: null,
    data: { reason: e.reason, limit: e.detail, target: e.target }, raisedAt: e.at, resolvedAt: null,
  };
}

/** Every refused dial-out: one short line under the header (the latest). */
function dialOutRefused(ui, e) {
  const el = document.getElementById('live-dial-out');
  el.textContent = fill(msg('js.live.dialOutRefused'), { target: e.target, reason: refusalText(e.reason, e.detail, ui.currency) });
  el.hidden = false;
  if (e.alertId) ui.alerts.add(dialOutAlert(e, document.getElementById('live-room-number').textContent));
}

function applyEvent(ui, e) {
  switch (e.type) {
    case 'joined': case 'participant': ui.table.upsert(e.participant); break;
    case 'left': ui.table.remove(e.participantId); break;
    case 'talking': ui.table.talking(e.participantId, e.talking); break;
    case 'quality': ui.table.quality(e.items); break;
    case 'locked': ui.header.apply({ locked: e.locked }); break;
    case 'all-muted': ui.header.apply({ allMuted: e.muted }); break;
    case 'recording':
      ui.header.apply({ recording: e.on });
      if (e.failure) banner(fill(msg('js.live.recordingFailed'), { reason: e.failure }));
      break;
    case 'extended': ui.header.apply({ closesAt: e.closesAt }); banner(''); break;
    case 'limit': ui.header.apply({ maxParticipants: e.max }); break;
    case 'warning': banner(fill(msg('js.live.warning'), { n: e.minutesLeft })); break;
    case 'help':
      ui.table.help(e.participantId, e.requested);
      if (e.requested) ui.alerts.add(helpAlert(e, ui.table.get(e.participantId)));
      else ui.alerts.resolveHelp(e.participantId, e.at);
      break;
    case 'lockout': ui.alerts.add(lockoutAlert(e)); break;
    case 'ended': ended(ui); break;
    case 'invite': ui.invites.upsert(e.invite); break;
    case 'dial-out-refused': dialOutRefused(ui, e); break;
    default: break;
  }
}

function ended(ui) {
  ui.stream.close();
  ui.header.stop();
  banner(msg('js.live.ended'));
  ui.root.dataset.stream = 'ended';
}

function applySnapshot(ui, data) {
  const s = data.snapshot;
  ui.header.apply({
    roomName: s.roomName, roomNumber: s.roomNumber, closesAt: s.closesAt, locked: s.locked, recording: s.recording,
    allMuted: s.allMuted, maxParticipants: s.maxParticipants,
  });
  ui.table.reset(s.participants, s.helpRequested);
  ui.alerts.reset(data.alerts);
  ui.invites.reset(s.invites);
  banner('');
  ui.root.dataset.stream = 'open';
}

/** The server refused the stream: ended (409), gone (404), logged out (401) — else (no bridge, 503) retry with a back-off. */
async function whenDown(ui, cfg) {
  try {
    await api('GET', `/api/live/${encodeURIComponent(cfg.conferenceId)}`);
  } catch (err) {
    if (err.status === 409 || err.status === 404) { ended(ui); return; }
    if (err.status === 401) { window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`); return; }
  }
  ui.retryMs = Math.min((ui.retryMs || 1000) * 2, 30_000);
  setTimeout(() => ui.stream.retry(), ui.retryMs);
}

function bindRows(ui, cfg) {
  ui.tbody.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-act]');
    const id = b?.closest('tr')?.dataset.id;
    const p = id && ui.table.get(id);
    if (!p) return;
    const cmd = rowCommand(b.dataset.act, p, cfg.volume);
    if (cmd) void sendCommand(cfg.conferenceId, `participants/${encodeURIComponent(id)}/${cmd[0]}`, cmd[1], showError, b);
  });
  const search = document.getElementById('live-search');
  let timer = 0;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => ui.table.setQuery(search.value), 120); });
  document.getElementById('live-sort').addEventListener('change', (ev) => ui.table.setSort(ev.target.value));
}

export function bindLivePage() {
  const root = document.getElementById('live-page');
  if (!root) return;
  const cfg = JSON.parse(document.getElementById('live-config').textContent);
  const view = { clock: clockFormatter(cfg.locale, cfg.timeZone), volume: cfg.volume };
  const shownEl = document.getElementById('live-shown');
  const ui = { root, tbody: root.querySelector('#live-participants tbody'), retryMs: 0, currency: cfg.currency };
  ui.header = new LiveHeader(view);
  ui.table = new ParticipantTable(ui.tbody, view, (t) => {
    ui.header.count(t.size);
    shownEl.textContent = t.query ? fill(msg('js.live.shown'), { shown: t.shown, total: t.size }) : '';
  });
  ui.alerts = new AlertList(document.getElementById('live-alerts'), document.getElementById('live-no-alerts'), {
    dateTime: dateTimeFormatter(cfg.locale, cfg.timeZone), liveLinks: false, onError: showError, currency: cfg.currency,
  });
  bindControls(cfg.conferenceId, showError);
  ui.invites = new InviteList(cfg.conferenceId, showError);
  bindInviteForms(cfg.conferenceId, showError);
  bindRows(ui, cfg);
  watchListeners(cfg.conferenceId);
  ui.stream = openStream(`/api/live/${encodeURIComponent(cfg.conferenceId)}/events`, {
    snapshot: (data) => { ui.retryMs = 0; applySnapshot(ui, data); },
    event: (e) => applyEvent(ui, e),
    onState: (state) => { if (state !== 'open' && root.dataset.stream !== 'ended') { banner(msg('js.live.reconnecting')); root.dataset.stream = state; } },
    onDown: () => { void whenDown(ui, cfg); },
  });
}
