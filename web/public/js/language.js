// The language switch: saved for the user, or in a cookie before login.
import { api } from './api.js';

export function bindLanguageSwitch() {
  const lang = document.getElementById('lang-switch');
  if (!lang) return;
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
