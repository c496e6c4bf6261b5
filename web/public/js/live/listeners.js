// The live console's listen-in count (issue 17): how many browsers listen
// through the room's listen-in links, read every few seconds (the gateway
// counts them on the web side, beside the live events).
import { api } from '../api.js';

const EVERY_MS = 3000;

export function watchListeners(conferenceId) {
  const el = document.getElementById('live-listeners');
  if (!el) return;
  const read = async () => {
    try {
      const r = await api('GET', `/api/live/${encodeURIComponent(conferenceId)}/listeners`);
      el.textContent = String(r.listeners);
    } catch { /* the next read tries again */ }
  };
  void read();
  setInterval(read, EVERY_MS);
}
