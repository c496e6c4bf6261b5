// The dashboard's live parts: the live meetings (to their consoles) and the
// alerts until dismissed. With a bridge attached it follows the account's
// stream (GET /api/live/events: started, ended, help, lockout) and redraws
// the lists from the API when one of them changes.
import { api, msg } from '../api.js';
import { AlertList } from './alerts.js';
import { openStream } from './stream.js';
import { dateTimeFormatter, fill } from './format.js';

function drawMeetings(conferences) {
  const ul = document.getElementById('live-meetings');
  ul.replaceChildren(...conferences.map((c) => {
    const li = document.createElement('li');
    li.dataset.conferenceId = c.conferenceId;
    const a = document.createElement('a');
    a.href = `/live/${encodeURIComponent(c.conferenceId)}`;
    a.textContent = c.roomName || c.roomNumber;
    li.append(a, ` ${c.roomNumber}`);
    if (typeof c.participantCount === 'number') li.append(` · ${fill(msg('js.live.participants'), { n: c.participantCount })}`);
    return li;
  }));
  document.getElementById('live-meetings-none').hidden = conferences.length > 0;
}

export function bindLiveDashboard() {
  const root = document.getElementById('dashboard');
  if (!root) return;
  const onError = (text) => window.alert(text);
  const alerts = new AlertList(document.getElementById('dashboard-alerts'), document.getElementById('dashboard-no-alerts'), {
    dateTime: dateTimeFormatter(document.documentElement.lang, root.dataset.timeZone), liveLinks: true, onError, currency: root.dataset.currency,
  });
  if (root.dataset.liveStream !== 'on') return;
  let timer = 0;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const d = await api('GET', '/api/live');
        drawMeetings(d.conferences);
        alerts.reset(d.alerts);
      } catch { /* the next event or reload tries again */ }
    }, 150);
  };
  const stream = openStream('/api/live/events', {
    snapshot: (d) => { drawMeetings(d.conferences); alerts.reset(d.alerts); root.dataset.stream = 'open'; },
    event: () => refresh(),
    onState: (state) => { if (state !== 'open') root.dataset.stream = state; },
    onDown: () => { setTimeout(() => stream.retry(), 10_000); },
  });
}
