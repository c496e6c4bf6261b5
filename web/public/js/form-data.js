// A form's fields as the JSON body the API takes: dotted names make nested
// objects; data-type="list|lines|number|bool", data-scale (yuan → fen) and
// data-empty="omit|null" say how a value is sent. Hidden parts are left out.

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

function skipped(el) {
  return !el.name || el.disabled || el.type === 'file' || el.type === 'submit' || el.type === 'button' || el.closest('[hidden]');
}

/** Checkboxes and radios; returns false for other controls. */
function addChoice(out, el) {
  if (el.type === 'checkbox' && el.dataset.type === 'list') {
    const cur = getPath(out, el.name);
    const arr = Array.isArray(cur) ? cur : [];
    if (el.checked) arr.push(el.value);
    setPath(out, el.name, arr);
    return true;
  }
  if (el.type === 'checkbox') { setPath(out, el.name, el.checked); return true; }
  if (el.type === 'radio') { if (el.checked) setPath(out, el.name, el.value); return true; }
  return false;
}

/** Text, number, select and textarea values. */
function addValue(out, el) {
  const type = el.dataset.type;
  const empty = el.dataset.empty;
  const v = el.value;
  const numeric = type === 'number' || el.type === 'number';
  if (type === 'lines') {
    setPath(out, el.name, v.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0));
    return;
  }
  // An explicit data-empty="null" wins over the numeric default (omit): a cleared cap or reminder is sent as none.
  if (v === '' && empty === 'null') { setPath(out, el.name, null); return; }
  if (v === '' && (numeric || empty === 'omit')) return;
  if (numeric) {
    const scale = Number(el.dataset.scale || '1');
    setPath(out, el.name, scale === 1 ? Number(v) : Math.round(Number(v) * scale));
    return;
  }
  if (type === 'bool') { setPath(out, el.name, v === 'true'); return; }
  setPath(out, el.name, v);
}

export function serialize(form) {
  const out = {};
  for (const el of form.elements) {
    if (skipped(el)) continue;
    if (!addChoice(out, el)) addValue(out, el);
  }
  return out;
}
