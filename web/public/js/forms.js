// Forms and buttons that call the API: <form data-api="METHOD /path"> and
// <button data-action="METHOD /path" data-body='{…}' data-confirm="key">.
// After success: data-done shows "saved" in place, data-redirect goes there
// ({id} from the answer), otherwise the page reloads.
import { api, msg } from './api.js';
import { serialize } from './form-data.js';

function markInvalidFields(form, data) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const fields = [];
  if (data.field) fields.push(data.field);
  for (const i of data.issues || []) fields.push(i.path);
  for (const f of fields) {
    const el = form.querySelector(`[name="${CSS.escape(f)}"], [name$=".${CSS.escape(f)}"]`);
    if (el) el.setAttribute('aria-invalid', 'true');
  }
}

function showError(form, err) {
  const box = form.querySelector('.form-error') || document.getElementById('page-error');
  const data = err.data || {};
  markInvalidFields(form, data);
  let text = err.status === 403 ? msg('js.forbidden')
    : err.status === 401 ? msg(data.error === 'invalid_login' ? 'js.badLogin' : 'js.loggedOut')
    : (data.message || msg('js.failed'));
  if (err.status === 423 && data.details && data.details.lockedUntil) {
    text = msg('js.locked').replace('{time}', new Date(data.details.lockedUntil).toLocaleTimeString());
  }
  if (box) { box.textContent = text; box.hidden = false; } else { window.alert(text); }
}

function after(el, data) {
  const redirect = el.dataset.redirect;
  if (redirect) {
    const target = redirect.replace('{id}', encodeURIComponent((data && data.id) || ''));
    window.location.assign(target);
  } else {
    window.location.reload();
  }
}

/** data-done: say "saved" beside the form (and reset it with data-reset) instead of leaving the page. */
function showDone(form, button) {
  const done = document.getElementById(form.dataset.done);
  if (done) { done.textContent = msg('js.saved'); done.hidden = false; }
  if (form.dataset.reset !== undefined) form.reset();
  if (button) button.disabled = false;
}

async function submitForm(form) {
  const [method, path] = form.dataset.api.split(' ');
  const button = form.querySelector('[type="submit"]');
  if (button) button.disabled = true;
  try {
    const data = await api(method, path, serialize(form));
    const box = form.querySelector('.form-error');
    if (box) box.hidden = true;
    if (form.dataset.done) { showDone(form, button); return; }
    after(form, data);
  } catch (err) {
    showError(form, err);
    if (button) button.disabled = false;
  }
}

async function runAction(el) {
  if (el.dataset.confirm && !window.confirm(msg(el.dataset.confirm))) return;
  const [method, path] = el.dataset.action.split(' ');
  let body;
  if (el.dataset.body) body = JSON.parse(el.dataset.body);
  try {
    const data = await api(method, path, body);
    after(el, data);
  } catch (err) {
    const box = document.getElementById('page-error');
    const text = err.status === 403 ? msg('js.forbidden') : (err.data && err.data.message) || msg('js.failed');
    if (box) { box.textContent = text; box.hidden = false; } else { window.alert(text); }
  }
}

export function bindForms() {
  for (const form of document.querySelectorAll('form[data-api]')) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void submitForm(form);
    });
  }
}

export function bindActions() {
  for (const el of document.querySelectorAll('[data-action]')) {
    el.addEventListener('click', () => { void runAction(el); });
  }
}
