// The pages' little script: forms and buttons call the JSON API with the
// session's CSRF token; nothing is rendered from strings as HTML (textContent
// only), so names from users stay text.
'use strict';

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const messagesEl = document.getElementById('messages');
  const messages = messagesEl ? JSON.parse(messagesEl.textContent || '{}') : {};
  const msg = (key) => messages[key] ?? key;

  async function api(method, path, body) {
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

  function setPath(obj, path, value) {
    const keys = path.split('.');
    let node = obj;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
      node = node[k];
    }
    node[keys[keys.length - 1]] = value;
  }
  function getPath(obj, path) {
    return path.split('.').reduce((n, k) => (n && typeof n === 'object' ? n[k] : undefined), obj);
  }

  function serialize(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.type === 'file' || el.type === 'submit' || el.type === 'button') continue;
      if (el.closest('[hidden]')) continue;
      const type = el.dataset.type;
      const empty = el.dataset.empty;
      if (el.type === 'checkbox' && type === 'list') {
        const cur = getPath(out, el.name);
        const arr = Array.isArray(cur) ? cur : [];
        if (el.checked) arr.push(el.value);
        setPath(out, el.name, arr);
        continue;
      }
      if (el.type === 'checkbox') { setPath(out, el.name, el.checked); continue; }
      if (el.type === 'radio') { if (el.checked) setPath(out, el.name, el.value); continue; }
      const v = el.value;
      if (type === 'lines') {
        setPath(out, el.name, v.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0));
        continue;
      }
      if (v === '' && (type === 'number' || el.type === 'number' || empty === 'omit')) continue;
      if (v === '' && empty === 'null') { setPath(out, el.name, null); continue; }
      if (type === 'number' || el.type === 'number') {
        const scale = Number(el.dataset.scale || '1');
        setPath(out, el.name, scale === 1 ? Number(v) : Math.round(Number(v) * scale));
        continue;
      }
      if (type === 'bool') { setPath(out, el.name, v === 'true'); continue; }
      setPath(out, el.name, v);
    }
    return out;
  }

  function showError(form, err) {
    const box = form.querySelector('.form-error') || document.getElementById('page-error');
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const data = err.data || {};
    const fields = [];
    if (data.field) fields.push(data.field);
    for (const i of data.issues || []) fields.push(i.path);
    for (const f of fields) {
      const el = form.querySelector(`[name="${CSS.escape(f)}"], [name$=".${CSS.escape(f)}"]`);
      if (el) el.setAttribute('aria-invalid', 'true');
    }
    let text = err.status === 403 ? msg('js.forbidden') : err.status === 401 ? msg('js.loggedOut') : (data.message || msg('js.failed'));
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

  // ---- forms → API ----
  for (const form of document.querySelectorAll('form[data-api]')) {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const [method, path] = form.dataset.api.split(' ');
      const button = form.querySelector('[type="submit"]');
      if (button) button.disabled = true;
      try {
        const body = serialize(form);
        const data = await api(method, path, body);
        const box = form.querySelector('.form-error');
        if (box) box.hidden = true;
        if (form.dataset.done) {
          const done = document.getElementById(form.dataset.done);
          if (done) { done.textContent = msg('js.saved'); done.hidden = false; }
          if (form.dataset.reset !== undefined) form.reset();
          if (button) button.disabled = false;
          return;
        }
        after(form, data);
      } catch (err) {
        showError(form, err);
        if (button) button.disabled = false;
      }
    });
  }

  // ---- buttons → API ----
  for (const el of document.querySelectorAll('[data-action]')) {
    el.addEventListener('click', async () => {
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
    });
  }

  // ---- language switch: saved for the user, or in a cookie before login ----
  const lang = document.getElementById('lang-switch');
  if (lang) {
    lang.addEventListener('click', async () => {
      const locale = lang.dataset.locale;
      if (document.body.dataset.loggedIn === 'yes') {
        try { await api('PUT', '/api/me/locale', { locale }); } catch { /* the reload shows the state */ }
      } else {
        document.cookie = `bridge_lang=${encodeURIComponent(locale)}; Path=/; SameSite=Lax; Max-Age=31536000`;
      }
      window.location.reload();
    });
  }

  // ---- show parts of a form depending on a control's value: data-show-when="name=value|value2" ----
  const toggles = document.querySelectorAll('[data-show-when]');
  function refreshToggles() {
    for (const el of toggles) {
      const [name, values] = el.dataset.showWhen.split('=');
      const controls = document.querySelectorAll(`[name="${CSS.escape(name)}"]`);
      let value = '';
      for (const c of controls) if ((c.type !== 'radio' && c.type !== 'checkbox') || c.checked) value = c.value;
      el.hidden = !values.split('|').includes(value);
    }
  }
  if (toggles.length > 0) {
    document.addEventListener('change', refreshToggles);
    refreshToggles();
  }

  // ---- contacts CSV import: preview, then import ----
  const csvInput = document.getElementById('csv-file');
  if (csvInput) {
    let csvText = '';
    const preview = document.getElementById('import-preview');
    const summary = document.getElementById('import-summary');
    const body = document.querySelector('#import-rows tbody');
    const confirmButton = document.getElementById('import-confirm');
    const report = document.getElementById('import-report');
    const cell = (tr, text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); };
    csvInput.addEventListener('change', async () => {
      const file = csvInput.files && csvInput.files[0];
      if (!file) return;
      csvText = await file.text();
      try {
        const data = await api('POST', '/api/contacts/import/preview', { csv: csvText });
        body.replaceChildren();
        for (const r of data.rows) {
          const tr = document.createElement('tr');
          tr.dataset.status = r.status;
          cell(tr, String(r.line));
          cell(tr, r.name);
          cell(tr, r.phoneDisplay || r.phoneInput);
          cell(tr, r.email || '');
          cell(tr, (r.groups || []).join('; '));
          cell(tr, msg('js.import.' + r.status) + (r.message ? ': ' + r.message : ''), 'status-' + r.status);
          body.appendChild(tr);
        }
        summary.textContent = msg('js.import.summary')
          .replace('{ok}', data.counts.ok).replace('{duplicates}', data.counts.duplicateInFile + data.counts.existing)
          .replace('{invalid}', data.counts.invalid);
        preview.hidden = false;
        report.hidden = true;
      } catch (err) {
        summary.textContent = (err.data && err.data.message) || msg('js.failed');
        preview.hidden = false;
      }
    });
    confirmButton.addEventListener('click', async () => {
      const onDuplicate = document.querySelector('input[name="onDuplicate"]:checked')?.value || 'skip';
      try {
        const data = await api('POST', '/api/contacts/import', { csv: csvText, onDuplicate });
        report.textContent = msg('js.import.done').replace('{created}', data.created)
          .replace('{skipped}', data.skippedExisting.length + data.duplicatesInFile.length).replace('{errors}', data.errors.length);
        report.hidden = false;
        confirmButton.disabled = true;
      } catch (err) {
        report.textContent = (err.data && err.data.message) || msg('js.failed');
        report.hidden = false;
      }
    });
  }
})();
