// One participant's row of the live table: built once, then updated cell by
// cell (only the cells whose values changed are touched). Text only: names
// from callers never become markup.
import { msg } from '../api.js';
import { fill } from './format.js';

const COLUMNS = ['name', 'number', 'role', 'access', 'joined', 'talking', 'muted', 'held', 'volume', 'quality', 'actions'];
const ACTIONS = ['mute', 'remove', 'role', 'hold', 'vol-down', 'vol-up'];

function actionButton(act) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.act = act;
  b.className = act === 'remove' ? 'danger' : 'secondary';
  if (act === 'remove') b.textContent = msg('js.live.remove');
  if (act === 'vol-down' || act === 'vol-up') {
    b.textContent = act === 'vol-down' ? '−' : '+';
    b.title = msg(act === 'vol-down' ? 'js.live.volumeDown' : 'js.live.volumeUp');
    b.setAttribute('aria-label', b.title);
  }
  return b;
}

/** A row for a participant; `rec.p` is the model, `rec.shown` what the cells show. */
export function createRow(p) {
  const tr = document.createElement('tr');
  tr.dataset.id = p.id;
  const cells = {};
  for (const k of COLUMNS) {
    const td = document.createElement('td');
    td.className = `c-${k}`;
    tr.appendChild(td);
    cells[k] = td;
  }
  const name = document.createElement('span');
  const help = document.createElement('span');
  help.className = 'help-flag';
  help.hidden = true;
  cells.name.append(name, ' ', help);
  const dot = document.createElement('span');
  dot.className = 'talk-dot';
  cells.talking.appendChild(dot);
  const badge = document.createElement('span');
  const figures = document.createElement('span');
  figures.className = 'muted figures';
  cells.quality.append(badge, ' ', figures);
  const buttons = {};
  for (const act of ACTIONS) { buttons[act] = actionButton(act); cells.actions.appendChild(buttons[act]); }
  return { tr, cells, els: { name, help, dot, badge, figures, buttons }, p, shown: null, helpOn: false, helpShown: false };
}

function set(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function mutedText(p) {
  if (!p.muted) return '';
  return msg(`js.live.mutedBy.${p.mutedBy ?? 'none'}`);
}

function heldText(p) {
  if (p.held) return msg('js.live.held');
  if (p.away) return msg(`js.live.away.${p.away}`);
  return '';
}

function qualityParts(q) {
  if (!q) return { cls: 'badge', text: '', figures: '' };
  const rtt = q.rttMs === null ? '–' : `${Math.round(q.rttMs)} ms`;
  return {
    cls: `badge badge-${q.badge}`, text: msg(`js.live.quality.${q.badge}`),
    figures: fill(msg('js.live.quality.figures'), { loss: q.lossPct.toFixed(1), jitter: Math.round(q.jitterMs), rtt }),
  };
}

/** Redraws what changed between `rec.shown` and `rec.p`. */
export function updateRow(rec, view) {
  const p = rec.p;
  const o = rec.shown ?? {};
  const { cells, els } = rec;
  if (p.name !== o.name) set(els.name, p.name || msg('js.live.unknownName'));
  if (p.number !== o.number || p.kind !== o.kind) {
    // A browser (WebRTC) has no phone number: marked as such.
    set(cells.number, p.kind === 'browser' ? msg('js.live.browser') : p.number);
    rec.tr.classList.toggle('browser', p.kind === 'browser');
    rec.tr.dataset.kind = p.kind;
  }
  if (p.role !== o.role) {
    set(cells.role, msg(`js.live.${p.role}`));
    rec.tr.classList.toggle('role-chair', p.role === 'chair');
    set(els.buttons.role, msg(p.role === 'chair' ? 'js.live.makeGuest' : 'js.live.makeChair'));
  }
  if (p.accessNumber !== o.accessNumber) set(cells.access, p.accessNumber ?? '');
  if (p.joinedAt !== o.joinedAt) set(cells.joined, view.clock(p.joinedAt));
  if (p.talking !== o.talking) {
    els.dot.classList.toggle('on', p.talking);
    els.dot.title = p.talking ? msg('js.live.talking') : '';
    rec.tr.classList.toggle('talking', p.talking);
  }
  if (p.muted !== o.muted || p.mutedBy !== o.mutedBy) {
    set(cells.muted, mutedText(p));
    set(els.buttons.mute, msg(p.muted ? 'js.live.unmute' : 'js.live.mute'));
  }
  if (p.held !== o.held || p.away !== o.away) {
    set(cells.held, heldText(p));
    set(els.buttons.hold, msg(p.held ? 'js.live.resume' : 'js.live.hold'));
  }
  if (p.talkDb !== o.talkDb || p.listenDb !== o.listenDb) {
    set(cells.volume, fill(msg('js.live.volume'), { talk: p.talkDb, listen: p.listenDb }));
    els.buttons['vol-down'].disabled = p.talkDb <= view.volume.min;
    els.buttons['vol-up'].disabled = p.talkDb >= view.volume.max;
  }
  if (p.quality !== o.quality) {
    const q = qualityParts(p.quality);
    els.badge.className = q.cls;
    set(els.badge, q.text);
    set(els.figures, q.figures);
  }
  if (rec.helpOn !== rec.helpShown) {
    els.help.hidden = !rec.helpOn;
    set(els.help, rec.helpOn ? fill(msg('js.live.help'), { who: '' }).trim() : '');
    rec.tr.classList.toggle('help', rec.helpOn);
    rec.helpShown = rec.helpOn;
  }
  rec.shown = p;
}
