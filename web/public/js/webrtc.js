// WebRTC for the join and listen pages: a peer connection with its complete
// offer (the gateway takes no trickled candidates: wait for gathering to
// finish), and the remote audio played through an <audio> element (Chrome
// gives Web Audio no samples of a remote stream that no element plays).

/** Resolves once ICE gathering is complete (or after `ms`, with what there is). */
function gathered(pc, ms = 5000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === 'complete') { pc.removeEventListener('icegatheringstatechange', done); resolve(); } };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, ms);
  });
}

/**
 * Makes the offer (sending `stream`'s audio, or receive-only without one),
 * hands it to `send` (which resolves to the answer SDP) and plays what comes
 * back on `audioEl`. Resolves with the peer connection.
 */
export async function connectAudio({ stream, audioEl, send }) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  if (stream) for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
  else pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addEventListener('track', (ev) => {
    audioEl.srcObject = ev.streams[0] || new MediaStream([ev.track]);
    audioEl.play().catch(() => {});
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const answerSdp = await send(pc.localDescription.sdp);
  await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  return pc;
}
