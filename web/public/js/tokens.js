// The API tokens page: the create form posts to the API and shows the new
// token in place — the only time anyone sees it (textContent, never HTML);
// "I have saved it" reloads the page, which lists the token by its prefix.
import { api, msg } from './api.js';
import { serialize } from './form-data.js';

export function bindTokensPage() {
  const form = document.getElementById('token-form');
  if (!form) return;
  const box = form.querySelector('.form-error');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = form.querySelector('[type="submit"]');
    button.disabled = true;
    try {
      const created = await api('POST', '/api/tokens', serialize(form));
      box.hidden = true;
      form.hidden = true;
      document.getElementById('token-secret').textContent = created.token;
      document.getElementById('token-created').hidden = false;
    } catch (err) {
      box.textContent = (err.data && err.data.message) || msg('js.failed');
      box.hidden = false;
      button.disabled = false;
    }
  });
  document.getElementById('token-done')?.addEventListener('click', () => window.location.reload());
}
