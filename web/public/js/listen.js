// The listen-in page (issue 17): the password with a receive-only offer;
// the mix plays on the page's <audio>. Wrong, expired or revoked links and
// too many attempts come back with their message.
import { api, msg } from './api.js';
import { connectAudio } from './webrtc.js';

export function bindListenPage() {
  const page = document.getElementById('listen-page');
  if (!page) return;
  const form = document.getElementById('listen-form');
  const error = document.getElementById('listen-error');
  const status = document.getElementById('listen-status');
  const stop = document.getElementById('listen-stop');
  const listen = { pc: null, sessionId: null };
  window.listenCall = listen;

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const button = document.getElementById('listen-submit');
    button.disabled = true;
    try {
      const password = document.getElementById('listen-password').value;
      listen.pc = await connectAudio({
        stream: null, audioEl: document.getElementById('listen-audio'),
        send: async (offerSdp) => {
          const r = await api('POST', `/api/listen/${page.dataset.linkId}`, { password, offerSdp });
          listen.sessionId = r.sessionId;
          return r.answerSdp;
        },
      });
      form.hidden = true;
      status.hidden = false;
      status.textContent = msg('js.listen.listening');
      status.dataset.state = 'listening';
      stop.hidden = false;
    } catch (err) {
      listen.pc?.close();
      listen.pc = null;
      error.textContent = (err.data && err.data.message) || err.message || msg('js.failed');
      error.dataset.status = String(err.status || '');
      error.hidden = false;
      button.disabled = false;
    }
  });

  stop.addEventListener('click', async () => {
    listen.pc?.close();
    if (listen.sessionId) await api('POST', `/api/listen-sessions/${listen.sessionId}/stop`).catch(() => {});
    status.dataset.state = 'stopped';
    stop.hidden = true;
  });
}
