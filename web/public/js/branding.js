// The account page's logo upload (issue 19): choosing a file shows it as a
// preview (a data: URL, which the page's CSP allows for images), and the
// upload sends its bytes as base64 to PUT /api/account/branding/logo. The
// server decides what the file is (PNG, JPEG or WebP by its bytes, never
// SVG) and says why it refuses one; the page then reloads to show the new
// logo in the header.
import { api, msg } from './api.js';

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

export function bindBrandingLogo() {
  const form = document.getElementById('branding-logo-form');
  if (!form) return;
  const input = document.getElementById('branding-logo-file');
  const box = document.getElementById('branding-preview-box');
  const preview = document.getElementById('branding-preview');
  const error = form.querySelector('.form-error');
  const maxBytes = Number(form.dataset.maxBytes) || 0;
  let dataUrl = '';
  const fail = (text) => { error.textContent = text; error.hidden = false; };

  input.addEventListener('change', async () => {
    error.hidden = true;
    dataUrl = '';
    box.hidden = true;
    const file = input.files && input.files[0];
    if (!file) return;
    if (maxBytes && file.size > maxBytes) { fail(msg('js.branding.tooLarge')); return; }
    dataUrl = await readAsDataUrl(file);
    preview.src = dataUrl;
    box.hidden = false;
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!dataUrl) { fail(msg('js.branding.noFile')); return; }
    const button = form.querySelector('[type="submit"]');
    button.disabled = true;
    try {
      await api('PUT', '/api/account/branding/logo', { data: dataUrl });
      window.location.reload();
    } catch (err) {
      fail((err.data && err.data.message) || msg('js.failed'));
      button.disabled = false;
    }
  });
}
