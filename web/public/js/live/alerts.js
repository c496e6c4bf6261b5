// The alerts list (help requested with *0, PIN lockout, dial-out cap reached) on the live page and
// the dashboard: shown until someone dismisses them (POST
// /api/alerts/:id/dismiss). A list the server rendered is taken over as it
// is; clicks are caught once on the list, so redrawn items need no binding.
import { api, msg } from '../api.js';
import { fill, money } from './format.js';

const CLASSES = ['domestic_fixed', 'domestic_mobile', 'international'];
const REASONS = ['guest', 'class', 'blocked', 'concurrent', 'daily_cap'];
const digits = (s) => /^\d+$/.test(String(s));

/** Why a dial-out was refused, in words (the same as the server's web/views/dial-out.ts). */
export function refusalText(reason, detail, currency) {
  if (!REASONS.includes(reason)) return `${reason} ${detail}`.trim();
  const shown = reason === 'class' && CLASSES.includes(detail) ? msg(`js.dialOut.cls.${detail}`)
    : reason === 'daily_cap' && digits(detail) ? money(detail, currency) : detail;
  return fill(msg(`js.dialOut.${reason}`), { detail: shown });
}

/** A dial-out cap reached: which cap, in which room, on which number. */
function dialOutText(a, currency) {
  const d = a.data || {};
  const limit = String(d.limit ?? '');
  const what = d.reason === 'daily_cap' ? fill(msg('js.live.dialOutDaily'), { amount: digits(limit) ? money(limit, currency) : limit })
    : fill(msg('js.live.dialOutCalls'), { n: limit });
  return fill(msg('js.live.dialOutAlert'), { number: a.roomNumber, what, target: String(d.target ?? '') });
}

/** The line of an alert (the same words as the server's web/dashboard/pages.ts). */
export function alertText(a, dateTime, currency) {
  if (a.kind === 'dial_out') return dialOutText(a, currency);
  if (a.kind === 'lockout') return fill(msg('js.live.lockout'), { number: a.roomNumber, until: dateTime(a.data && a.data.until) });
  const d = a.data || {};
  const who = [d.name, d.number].filter((x) => typeof x === 'string' && x !== '').join(' ') || a.participantId || '';
  return fill(msg(a.resolvedAt ? 'js.live.helpResolved' : 'js.live.help'), { who });
}

export class AlertList {
  /** @param opts { dateTime(iso), liveLinks: boolean, onError(text), currency } */
  constructor(ul, empty, opts) {
    this.ul = ul;
    this.empty = empty;
    this.opts = opts;
    ul.addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-dismiss]');
      if (b) void this.dismiss(b.dataset.dismiss, b);
    });
  }

  reset(alerts) {
    this.ul.replaceChildren(...alerts.map((a) => this.item(a)));
    this.refresh();
  }

  add(a) {
    if (this.find(a.id)) return;
    this.ul.prepend(this.item(a));
    this.refresh();
  }

  /** A participant's help request ended: the alert stays, marked as over, until dismissed. */
  resolveHelp(participantId, at) {
    for (const li of this.ul.children) {
      if (li.dataset.kind !== 'help' || li.dataset.participantId !== participantId || li.classList.contains('resolved')) continue;
      li.classList.add('resolved');
      const a = JSON.parse(li.dataset.alert || '{}');
      li.querySelector('.alert-text').textContent = alertText({ ...a, resolvedAt: at }, this.opts.dateTime, this.opts.currency);
    }
  }

  find(id) {
    for (const li of this.ul.children) if (li.dataset.alertId === id) return li;
    return null;
  }

  item(a) {
    const li = document.createElement('li');
    li.dataset.alertId = a.id;
    li.dataset.kind = a.kind;
    li.dataset.participantId = a.participantId || '';
    li.dataset.alert = JSON.stringify(a);
    li.className = `alert-${a.kind}${a.resolvedAt ? ' resolved' : ''}`;
    const text = document.createElement('span');
    text.className = 'alert-text';
    text.textContent = alertText(a, this.opts.dateTime, this.opts.currency);
    const when = document.createElement('span');
    when.className = 'muted';
    when.textContent = this.opts.dateTime(a.raisedAt);
    li.append(text, ' ', when, ' ');
    if (this.opts.liveLinks && a.conferenceId) {
      const link = document.createElement('a');
      link.href = `/live/${encodeURIComponent(a.conferenceId)}`;
      link.textContent = msg('js.live.console');
      li.append(link, ' ');
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary';
    b.dataset.dismiss = a.id;
    b.textContent = msg('js.live.dismiss');
    li.appendChild(b);
    return li;
  }

  async dismiss(id, button) {
    button.disabled = true;
    try {
      if (!id.startsWith('local:')) await api('POST', `/api/alerts/${encodeURIComponent(id)}/dismiss`);
      this.find(id)?.remove();
      this.refresh();
    } catch (err) {
      button.disabled = false;
      // Already dismissed elsewhere: it is gone either way.
      if (err.status === 404) { this.find(id)?.remove(); this.refresh(); return; }
      this.opts.onError((err.data && err.data.message) || msg('js.failed'));
    }
  }

  refresh() {
    if (this.empty) this.empty.hidden = this.ul.children.length > 0;
  }
}
