// Parts of a form shown depending on a control's value:
// data-show-when="name=value|value2".

function refresh(toggles) {
  for (const el of toggles) {
    const [name, values] = el.dataset.showWhen.split('=');
    const controls = document.querySelectorAll(`[name="${CSS.escape(name)}"]`);
    let value = '';
    for (const c of controls) if ((c.type !== 'radio' && c.type !== 'checkbox') || c.checked) value = c.value;
    el.hidden = !values.split('|').includes(value);
  }
}

export function bindToggles() {
  const toggles = document.querySelectorAll('[data-show-when]');
  if (toggles.length === 0) return;
  document.addEventListener('change', () => refresh(toggles));
  refresh(toggles);
}
