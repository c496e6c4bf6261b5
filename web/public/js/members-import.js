// The directory CSV import of the members page: choosing a file shows the
// preview (how many rows would be added, every duplicate and error with its
// line), then the import adds the new rows as invited members.
import { api, msg } from './api.js';

function problemRow(line, text) {
  const tr = document.createElement('tr');
  for (const v of [String(line), text]) {
    const td = document.createElement('td');
    td.textContent = v;
    tr.appendChild(td);
  }
  return tr;
}

function duplicateText(d) {
  const field = msg('js.members.field.' + d.field);
  const key = d.firstLine === null ? 'js.members.dupExisting' : 'js.members.dupFile';
  return msg(key).replace('{field}', field).replace('{value}', d.value).replace('{first}', String(d.firstLine));
}

function showProblems(ui, data) {
  const rows = [...data.duplicates.map((d) => [d.line, duplicateText(d)]), ...data.errors.map((e) => [e.line, e.message])]
    .sort((a, b) => a[0] - b[0]);
  ui.body.replaceChildren(...rows.map(([line, text]) => problemRow(line, text)));
}

async function preview(ui, state) {
  const file = ui.input.files && ui.input.files[0];
  if (!file) return;
  state.csv = await file.text();
  try {
    const data = await api('POST', '/api/members/import/preview', { csv: state.csv, role: ui.role.value });
    ui.summary.textContent = msg('js.members.summary').replace('{ok}', data.rows.length)
      .replace('{duplicates}', data.duplicates.length).replace('{errors}', data.errors.length);
    showProblems(ui, data);
    ui.confirm.disabled = data.rows.length === 0;
  } catch (err) {
    ui.summary.textContent = (err.data && err.data.message) || msg('js.failed');
    ui.confirm.disabled = true;
  }
  ui.preview.hidden = false;
  ui.report.hidden = true;
}

async function runImport(ui, state) {
  ui.confirm.disabled = true;
  try {
    const data = await api('POST', '/api/members/import', { csv: state.csv, role: ui.role.value });
    ui.report.textContent = msg('js.members.done').replace('{created}', data.created.length)
      .replace('{duplicates}', data.duplicates.length).replace('{errors}', data.errors.length);
    showProblems(ui, data);
  } catch (err) {
    ui.report.textContent = (err.data && err.data.message) || msg('js.failed');
    ui.confirm.disabled = false;
  }
  ui.report.hidden = false;
}

export function bindMembersImport() {
  const input = document.getElementById('members-csv');
  if (!input) return;
  const ui = {
    input,
    role: document.getElementById('members-import-role'),
    preview: document.getElementById('members-preview'),
    summary: document.getElementById('members-summary'),
    body: document.querySelector('#members-problems tbody'),
    confirm: document.getElementById('members-import-confirm'),
    report: document.getElementById('members-report'),
  };
  const state = { csv: '' };
  input.addEventListener('change', () => { void preview(ui, state); });
  ui.confirm.addEventListener('click', () => { void runImport(ui, state); });
}
