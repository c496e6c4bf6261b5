// The live page's header (time left until the window's end, locked,
// recording, all muted, count / limit) and its controls: every button with
// data-live="<command>" posts that command with its data-body; the limit
// form posts `limit`. The page changes when the event comes back on the
// stream, not on the answer, so every page watching shows the same.
import { api, msg } from '../api.js';
import { duration, fill } from './format.js';

/** Posts a command; errors go to `onError`. Resolves true when it was accepted. */
export async function sendCommand(conferenceId, path, body, onError, button) {
  if (button) button.disabled = true;
  try {
    await api('POST', `/api/live/${encodeURIComponent(conferenceId)}/${path}`, body);
    return true;
  } catch (err) {
    onError(err.status === 403 ? msg('js.forbidden') : (err.data && err.data.message) || msg('js.failed'));
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

export class LiveHeader {
  constructor(view) {
    this.view = view;
    this.state = {};
    const $ = (id) => document.getElementById(id);
    this.els = {
      name: $('live-room-name'), number: $('live-room-number'), left: $('live-time-left'), locked: $('live-locked'), recording: $('live-recording'),
      allMuted: $('live-all-muted'), count: $('live-count'), max: $('live-max'), lock: $('ctl-lock'), unlock: $('ctl-unlock'),
      recStart: $('ctl-record-start'), recStop: $('ctl-record-stop'), limit: $('limit-input'),
    };
    this.timer = setInterval(() => this.tick(), 1000);
  }

  apply(patch) {
    Object.assign(this.state, patch);
    const s = this.state;
    const e = this.els;
    if (s.roomName !== undefined) e.name.textContent = s.roomName;
    if (s.roomNumber !== undefined) e.number.textContent = s.roomNumber;
    e.locked.textContent = msg(s.locked ? 'js.live.locked' : 'js.live.unlocked');
    e.lock.hidden = !!s.locked;
    e.unlock.hidden = !s.locked;
    e.recording.textContent = msg(s.recording ? 'js.live.recording' : 'js.live.notRecording');
    e.recStart.hidden = !!s.recording;
    e.recStop.hidden = !s.recording;
    e.allMuted.textContent = s.allMuted ? msg('js.live.allMuted') : '';
    e.max.textContent = String(s.maxParticipants ?? '–');
    if (document.activeElement !== e.limit && s.maxParticipants !== undefined) e.limit.value = String(s.maxParticipants);
    this.tick();
  }

  count(n) {
    const text = String(n);
    if (this.els.count.textContent !== text) this.els.count.textContent = text;
  }

  tick() {
    const end = this.state.closesAt;
    if (!end) return;
    const left = Date.parse(end) - Date.now();
    const at = this.view.clock(end);
    this.els.left.textContent = left > 0 ? fill(msg('js.live.timeLeft'), { left: duration(left), end: at }) : fill(msg('js.live.overtime'), { end: at });
  }

  /** The meeting ended: the controls go quiet. */
  stop() {
    clearInterval(this.timer);
    for (const b of document.querySelectorAll('#live-controls button, #live-participants button, #limit-input, #live-invites-card button')) b.disabled = true;
  }
}

export function bindControls(conferenceId, onError) {
  const box = document.getElementById('live-controls');
  box.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-live]');
    if (!b) return;
    if (b.dataset.confirm && !window.confirm(msg(b.dataset.confirm))) return;
    void sendCommand(conferenceId, b.dataset.live, b.dataset.body ? JSON.parse(b.dataset.body) : {}, onError, b);
  });
  const form = document.getElementById('ctl-limit');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('limit-input');
    void sendCommand(conferenceId, 'limit', { max: Number(input.value) }, onError, form.querySelector('button'));
  });
}
