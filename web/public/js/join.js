// The join page (issue 17): the PIN is checked first (a ticket), then the
// microphone is taken and the offer sent; mute turns the track off AND mutes
// the participant on the bridge (the console shows it); the participants and
// who talks are read every second for this ticket's own room; the page ends
// cleanly when the call ends (removed, meeting over, left).
import { api, msg } from './api.js';
import { connectAudio } from './webrtc.js';

const POLL_MS = 1000;

/** The room's participants: name, (you), browser, talking, muted — text only. */
function showParticipants(participants) {
  const list = document.getElementById('join-participants');
  list.replaceChildren(...participants.map((p) => {
    const li = document.createElement('li');
    li.dataset.participantId = p.id;
    li.dataset.talking = p.talking ? 'yes' : 'no';
    const marks = [p.browser ? msg('js.join.browser') : '', p.talking ? msg('js.join.talking') : '', p.muted ? msg('js.join.muted') : ''].filter(Boolean);
    li.textContent = `${p.name}${p.self ? msg('js.join.you') : ''}${marks.length ? ` — ${marks.join(', ')}` : ''}`;
    if (p.talking) li.classList.add('talking');
    return li;
  }));
}

/** The PIN (a ticket), the microphone, the offer; rejects with what went wrong. */
async function startCall(call, status, onFailed) {
  const room = document.getElementById('join-room').value.trim();
  const checked = await api('POST', '/api/join/pin', { room, pin: document.getElementById('join-pin').value.trim(), name: document.getElementById('join-name').value.trim() });
  call.ticket = checked.ticket;
  try {
    call.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    throw new Error(msg('js.join.noMic'));
  }
  document.getElementById('join-form').hidden = true;
  document.getElementById('join-call').hidden = false;
  status.textContent = msg('js.join.connecting');
  call.pc = await connectAudio({
    stream: call.stream, audioEl: document.getElementById('join-audio'),
    send: async (offerSdp) => (await api('POST', '/api/join/offer', { ticket: call.ticket, offerSdp })).answerSdp,
  });
  call.pc.addEventListener('connectionstatechange', () => { if (call.pc.connectionState === 'failed') onFailed(); });
}

export function bindJoinPage() {
  const form = document.getElementById('join-form');
  if (!form) return;
  const error = document.getElementById('join-error');
  const status = document.getElementById('join-status');
  const muteButton = document.getElementById('join-mute');
  const call = { ticket: null, pc: null, stream: null, muted: false, timer: null, ended: false };
  window.joinCall = call; // for tests and the curious: the peer connection and the state

  const fail = (err) => {
    error.textContent = (err && err.data && err.data.message) || (err && err.message) || msg('js.failed');
    error.hidden = false;
  };

  const end = (reason) => {
    if (call.ended) return;
    call.ended = true;
    clearInterval(call.timer);
    call.pc?.close();
    call.stream?.getTracks().forEach((t) => t.stop());
    status.textContent = msg('js.join.ended');
    status.dataset.state = 'ended';
    status.dataset.reason = reason || '';
    muteButton.disabled = true;
    document.getElementById('join-leave').disabled = true;
  };

  const show = (state) => {
    if (state.state === 'ended') { end(state.reason); return; }
    status.dataset.state = state.state;
    status.textContent = state.state === 'joined' ? msg('js.join.joined') : msg('js.join.connecting');
    if (state.self) {
      call.muted = state.self.muted;
      muteButton.textContent = call.muted ? msg('js.join.unmute') : msg('js.join.mute');
      muteButton.dataset.muted = call.muted ? 'yes' : 'no';
    }
    showParticipants(state.participants);
  };

  const poll = async () => {
    try { show(await api('POST', '/api/join/state', { ticket: call.ticket })); } catch (err) { if (err.status === 404) end('expired'); }
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const button = document.getElementById('join-submit');
    button.disabled = true;
    try {
      await startCall(call, status, () => end('connection_failed'));
      call.timer = setInterval(poll, POLL_MS);
      await poll();
    } catch (err) {
      form.hidden = false;
      document.getElementById('join-call').hidden = true;
      button.disabled = false;
      fail(err);
    }
  });

  muteButton.addEventListener('click', async () => {
    const muted = !call.muted;
    // The track first: silence leaves the browser at once, whatever the server says.
    call.stream?.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    try {
      show(await api('POST', '/api/join/mute', { ticket: call.ticket, muted }));
    } catch (err) {
      call.stream?.getAudioTracks().forEach((t) => { t.enabled = !call.muted; });
      fail(err);
    }
  });

  document.getElementById('join-leave').addEventListener('click', async () => {
    try { await api('POST', '/api/join/leave', { ticket: call.ticket }); } catch { /* ending anyway */ }
    end('left');
  });
}
