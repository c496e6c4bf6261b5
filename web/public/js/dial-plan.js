// The operator's dial-plan forms (form.dial-plan): rules are rows edited in
// place (add, remove), "try" sends the UNSAVED rules and the sample numbers
// to POST /api/operator/dial-plans/try and shows each number's result and
// the rule that matched; submit saves (POST new, PUT existing). A bad
// pattern marks that rule's input (field rules.N.pattern).
import { api, msg } from './api.js';

function rulesOf(form) {
  return [...form.querySelectorAll('table.rules tbody tr.rule')].map((tr) => ({
    pattern: tr.querySelector('[name="pattern"]').value,
    replacement: tr.querySelector('[name="replacement"]').value,
    description: tr.querySelector('[name="description"]').value,
  }));
}

function showError(form, err) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const data = err.data || {};
  const fields = [data.field, ...(data.issues || []).map((i) => i.path)].filter(Boolean);
  const rows = form.querySelectorAll('table.rules tbody tr.rule');
  for (const f of fields) {
    const m = /^rules\.(\d+)\.(\w+)$/.exec(f);
    const el = m ? rows[Number(m[1])]?.querySelector(`[name="${m[2]}"]`) : form.querySelector(`[name="${f}"]`);
    if (el) el.setAttribute('aria-invalid', 'true');
  }
  const box = form.querySelector('.form-error');
  box.textContent = err.status === 403 ? msg('js.forbidden') : (data.message || msg('js.failed'));
  box.hidden = false;
}

function cell(tr, text) {
  const td = document.createElement('td');
  td.textContent = text;
  tr.appendChild(td);
}

function showResults(form, results) {
  const table = form.querySelector('table.try-results');
  const body = table.querySelector('tbody');
  body.replaceChildren();
  for (const r of results) {
    const tr = document.createElement('tr');
    cell(tr, r.input);
    cell(tr, r.e164 ?? '');
    cell(tr, r.digits ?? msg('js.plan.badNumber'));
    cell(tr, r.e164 === null ? (r.error || '') : r.rule === null ? msg('js.plan.noRule') : msg('js.plan.rule').replace('{n}', String(r.rule + 1)));
    body.appendChild(tr);
  }
  table.hidden = false;
}

async function tryPlan(form) {
  const samples = form.querySelector('[name="samples"]').value.split('\n').map((s) => s.trim()).filter(Boolean).slice(0, 50);
  if (samples.length === 0) return;
  try {
    const data = await api('POST', '/api/operator/dial-plans/try', { rules: rulesOf(form), samples });
    form.querySelector('.form-error').hidden = true;
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    showResults(form, data.results);
  } catch (err) { showError(form, err); }
}

async function savePlan(form) {
  const id = form.dataset.planId;
  const body = { name: form.querySelector('[name="name"]').value, rules: rulesOf(form) };
  try {
    await (id ? api('PUT', `/api/operator/dial-plans/${encodeURIComponent(id)}`, body) : api('POST', '/api/operator/dial-plans', body));
    window.location.reload();
  } catch (err) { showError(form, err); }
}

export function bindDialPlans() {
  for (const form of document.querySelectorAll('form.dial-plan')) {
    form.addEventListener('submit', (e) => { e.preventDefault(); void savePlan(form); });
    form.addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (!b) return;
      if (b.classList.contains('add-rule')) {
        const row = form.querySelector('template.rule-template').content.firstElementChild.cloneNode(true);
        form.querySelector('table.rules tbody').appendChild(row);
      } else if (b.classList.contains('remove-rule')) {
        b.closest('tr').remove();
      } else if (b.classList.contains('try-plan')) {
        void tryPlan(form);
      }
    });
  }
}
