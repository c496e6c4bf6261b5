// The webhooks page: adding an endpoint shows its signing secret once (the
// only time the server hands it out) instead of reloading at once.
import { api, msg } from './api.js';

export function bindWebhooks() {
  const form = document.querySelector('form[data-webhook-create]');
  if (!form) return;
  const box = document.getElementById('webhook-secret');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const [method, path] = form.dataset.webhookCreate.split(' ');
    const error = form.querySelector('.form-error');
    const button = form.querySelector('[type="submit"]');
    const description = form.elements.namedItem('description').value.trim();
    const body = {
      url: form.elements.namedItem('url').value.trim(),
      events: [...form.querySelectorAll('input[name="events"]:checked')].map((el) => el.value),
      ...(description ? { description } : {}),
    };
    button.disabled = true;
    try {
      const data = await api(method, path, body);
      error.hidden = true;
      form.hidden = true;
      document.getElementById('webhook-secret-label').textContent = msg('js.webhooks.secret');
      document.getElementById('webhook-secret-value').textContent = data.secret;
      const done = document.getElementById('webhook-secret-done');
      done.textContent = msg('js.webhooks.continue');
      done.addEventListener('click', () => window.location.reload(), { once: true });
      box.hidden = false;
    } catch (err) {
      error.textContent = (err.data && err.data.message) || msg('js.failed');
      error.hidden = false;
      button.disabled = false;
    }
  });
}
