// The pages' little script (an ES module; its parts are in js/): forms and
// buttons call the JSON API with the session's CSRF token; nothing is
// rendered from strings as HTML (textContent only), so names from users
// stay text.
import { bindActions, bindForms } from './js/forms.js';
import { bindLanguageSwitch } from './js/language.js';
import { bindToggles } from './js/toggles.js';
import { bindContactsImport } from './js/contacts-import.js';
import { bindLivePage } from './js/live.js';
import { bindLiveDashboard } from './js/live/dashboard.js';
import { bindDialPlans } from './js/dial-plan.js';
import { bindBrandingLogo } from './js/branding.js';
import { bindTokensPage } from './js/tokens.js';
import { bindWebhooks } from './js/webhooks.js';
import { bindMembersImport } from './js/members-import.js';
import { bindJoinPage } from './js/join.js';
import { bindListenPage } from './js/listen.js';

bindForms();
bindActions();
bindLanguageSwitch();
bindToggles();
bindContactsImport();
bindLivePage();
bindLiveDashboard();
bindDialPlans();
bindBrandingLogo();
bindTokensPage();
bindWebhooks();
bindMembersImport();
bindJoinPage();
bindListenPage();
