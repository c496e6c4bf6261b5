// The contacts CSV import page: choosing a file shows the preview (every
// line with its fate), then the import runs with the chosen handling of
// numbers already in the address book.
import { api, msg } from './api.js';

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function previewRow(r) {
  const tr = document.createElement('tr');
  tr.dataset.status = r.status;
  cell(tr, String(r.line));
  cell(tr, r.name);
  cell(tr, r.phoneDisplay || r.phoneInput);
  cell(tr, r.email || '');
  cell(tr, (r.groups || []).join('; '));
  cell(tr, msg('js.import.' + r.status) + (r.message ? ': ' + r.message : ''), 'status-' + r.status);
  return tr;
}

function showPreview(ui, data) {
  ui.body.replaceChildren();
  for (const r of data.rows) ui.body.appendChild(previewRow(r));
  ui.summary.textContent = msg('js.import.summary')
    .replace('{ok}', data.counts.ok).replace('{duplicates}', data.counts.duplicateInFile + data.counts.existing)
    .replace('{invalid}', data.counts.invalid);
  ui.preview.hidden = false;
  ui.report.hidden = true;
}

async function preview(ui, state) {
  const file = ui.input.files && ui.input.files[0];
  if (!file) return;
  state.csv = await file.text();
  try {
    showPreview(ui, await api('POST', '/api/contacts/import/preview', { csv: state.csv }));
  } catch (err) {
    ui.summary.textContent = (err.data && err.data.message) || msg('js.failed');
    ui.preview.hidden = false;
  }
}

async function runImport(ui, state) {
  const onDuplicate = document.querySelector('input[name="onDuplicate"]:checked')?.value || 'skip';
  try {
    const data = await api('POST', '/api/contacts/import', { csv: state.csv, onDuplicate });
    ui.report.textContent = msg('js.import.done').replace('{created}', data.created)
      .replace('{skipped}', data.skippedExisting.length + data.duplicatesInFile.length).replace('{errors}', data.errors.length);
    ui.report.hidden = false;
    ui.confirm.disabled = true;
  } catch (err) {
    ui.report.textContent = (err.data && err.data.message) || msg('js.failed');
    ui.report.hidden = false;
  }
}

export function bindContactsImport() {
  const input = document.getElementById('csv-file');
  if (!input) return;
  const ui = {
    input,
    preview: document.getElementById('import-preview'),
    summary: document.getElementById('import-summary'),
    body: document.querySelector('#import-rows tbody'),
    confirm: document.getElementById('import-confirm'),
    report: document.getElementById('import-report'),
  };
  const state = { csv: '' };
  input.addEventListener('change', () => { void preview(ui, state); });
  ui.confirm.addEventListener('click', () => { void runImport(ui, state); });
}
