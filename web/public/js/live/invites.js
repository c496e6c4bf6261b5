// The live page's invites: the list (one row per invite, its state as the
// `invite` events move it, with redial / cancel where they apply) and the
// forms that send invites (a number or SIP URI with a name; contacts and a
// group; everyone absent). Like the rest of the page, a row changes when
// its event comes back on the stream, not on the POST's answer.
import { msg } from '../api.js';
import { fill } from './format.js';
import { sendCommand } from './controls.js';

const ACTIVE = new Set(['queued', 'calling', 'ringing', 'answered']);
const REDIAL = new Set(['no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'refused', 'ended']);

export class InviteList {
  constructor(conferenceId, onError) {
    this.conferenceId = conferenceId;
    this.onError = onError;
    this.table = document.getElementById('live-invites');
    this.tbody = this.table.querySelector('tbody');
    this.none = document.getElementById('invite-none');
    this.rows = new Map();
    this.tbody.addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-invite]');
      const id = b?.closest('tr')?.dataset.id;
      if (id) void sendCommand(this.conferenceId, `invites/${encodeURIComponent(id)}/${b.dataset.invite}`, {}, this.onError, b);
    });
  }

  reset(invites) {
    this.rows.clear();
    this.tbody.replaceChildren();
    for (const i of invites ?? []) this.upsert(i);
    this.shown();
  }

  upsert(i) {
    let tr = this.rows.get(i.id);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.id = i.id;
      tr.append(document.createElement('td'), document.createElement('td'), document.createElement('td'));
      this.rows.set(i.id, tr);
      this.tbody.append(tr);
    }
    tr.dataset.state = i.state;
    const [who, state, actions] = tr.children;
    who.textContent = i.name ? `${i.name} (${i.target})` : i.target;
    const why = [i.sipStatus ? fill(msg('js.live.invite.sip'), { status: i.sipStatus }) : '', i.q850Cause && i.state !== 'joined' ? fill(msg('js.live.invite.q850'), { cause: i.q850Cause }) : '']
      .filter((x) => x !== '').join(', ');
    state.textContent = why ? `${msg(`js.live.invite.${i.state}`)} (${why})` : msg(`js.live.invite.${i.state}`);
    actions.replaceChildren();
    const button = (act, key, cls) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = cls;
      b.dataset.invite = act;
      b.textContent = msg(key);
      actions.append(b);
    };
    if (ACTIVE.has(i.state)) button('cancel', 'js.live.invite.cancel', 'secondary');
    if (REDIAL.has(i.state)) button('redial', 'js.live.invite.redial', 'secondary');
    this.shown();
  }

  shown() {
    this.table.hidden = this.rows.size === 0;
    this.none.hidden = this.rows.size > 0;
  }
}

/** The invite forms: one number, contacts and a group, everyone absent. */
export function bindInviteForms(conferenceId, onError) {
  const one = document.getElementById('invite-one');
  one.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const target = document.getElementById('invite-target').value.trim();
    const name = document.getElementById('invite-name').value.trim();
    void sendCommand(conferenceId, 'invites', { targets: [name ? { target, name } : { target }] }, onError, one.querySelector('button'))
      .then((ok) => { if (ok) one.reset(); });
  });
  const bulk = document.getElementById('invite-bulk');
  bulk.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const contactIds = [...document.getElementById('invite-contacts').selectedOptions].map((o) => o.value);
    const group = document.getElementById('invite-group').value;
    void sendCommand(conferenceId, 'invites', { contactIds, groupIds: group ? [group] : [] }, onError, document.getElementById('invite-bulk-call'));
  });
  const absent = document.getElementById('invite-absent');
  absent.addEventListener('click', () => { void sendCommand(conferenceId, 'invites/absent', {}, onError, absent); });
}
