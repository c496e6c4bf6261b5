// The JSON API as the pages call it: the session's CSRF token on every
// request, errors thrown with their status and body; and the page's texts.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

const messagesEl = document.getElementById('messages');
const messages = messagesEl ? JSON.parse(messagesEl.textContent || '{}') : {};

/** The page's text for a key (the key itself when missing). */
export const msg = (key) => messages[key] ?? key;

/** Calls the API; resolves to the JSON answer (null for 204), rejects with an Error carrying `status` and `data`. */
export async function api(method, path, body) {
  const init = { method, headers: { 'X-CSRF-Token': csrf(), Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (!res.ok) {
    const err = new Error((data && data.message) || res.statusText);
    err.status = res.status;
    err.data = data;
    throw err;
  }
  return data;
}
