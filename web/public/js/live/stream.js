// An event stream of the live console (Server-Sent Events through the
// session cookie). `snapshot` starts (and restarts) the state; `resync`
// means we fell behind: reconnect for a fresh snapshot. A dropped connection
// is retried by the browser; one the server refused (the meeting ended, no
// bridge) is reported to `onDown`, which decides whether to `retry`.
export const EVENT_TYPES = ['started', 'joined', 'left', 'participant', 'talking', 'quality', 'locked', 'all-muted', 'recording',
  'warning', 'extended', 'limit', 'help', 'lockout', 'ended', 'invite', 'dial-out-refused'];

/** @param handlers { snapshot(data), event(e), onState('open'|'reconnecting'|'down'), onDown() } */
export function openStream(url, handlers) {
  let es = null;
  let closed = false;
  const connect = () => {
    if (closed) return;
    es = new EventSource(url);
    es.addEventListener('snapshot', (ev) => { handlers.onState('open'); handlers.snapshot(JSON.parse(ev.data)); });
    for (const type of EVENT_TYPES) es.addEventListener(type, (ev) => { handlers.event(JSON.parse(ev.data)); });
    es.addEventListener('resync', () => { es.close(); connect(); });
    es.onerror = () => {
      if (closed) return;
      if (es.readyState === EventSource.CLOSED) { handlers.onState('down'); handlers.onDown(); } else handlers.onState('reconnecting');
    };
  };
  connect();
  return {
    close() { closed = true; es?.close(); },
    /** Try again after the server refused (called by onDown's owner, with its own back-off). */
    retry() { es?.close(); connect(); },
  };
}
