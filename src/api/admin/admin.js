// The admin page's entry module: sign in / out and the polling loops. Plain browser modules over
// the public /v1 API (no framework, no build step); every action is an API call.
import { $, act, api, auth, hideNotice, loop, onSignOut, rememberKey, signOut } from './admin-core.js';
import { refreshMessages, refreshTracked } from './admin-messages.js';
import { refreshConversation, wireConversations } from './admin-conversations.js';
import { refreshInbound, refreshSenderOptions } from './admin-inbound.js';
import { refreshOnboardings, wireOnboarding } from './admin-onboarding.js';
import { refreshHealth, wirePanels } from './admin-panels.js';
import { refreshStats, wireStats } from './admin-stats.js';
import { wireSend } from './admin-send.js';
import { refreshDetail, refreshSessions, wireSessions } from './admin-sessions.js';

onSignOut(() => {
  $('app').hidden = true;
  $('who').hidden = true;
  $('sign-in-panel').hidden = false;
});

async function signIn(key) {
  auth.apiKey = key;
  // Any authenticated read proves the key; the sessions list is the first screen anyway.
  await api('GET', '/v1/sessions?limit=1');
  rememberKey(key);
  $('sign-in-panel').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('who-key').textContent = `Signed in with key …${key.slice(-4)}`;
  hideNotice();
  // Seed 000 polls every 3 s while a QR may be shown; the selected session is polled faster.
  loop(refreshSessions, 3000);
  loop(refreshDetail, 2000);
  loop(refreshMessages, 3000);
  loop(refreshTracked, 1000);
  loop(refreshHealth, 10000);
  loop(refreshStats, 10000);
  loop(refreshOnboardings, 3000);
  loop(refreshInbound, 3000);
  loop(refreshConversation, 3000);
  loop(refreshSenderOptions, 10000);
}

$('sign-in-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $('api-key').value.trim();
  $('api-key').value = '';
  void act(() => signIn(key));
});
$('sign-out').addEventListener('click', () => signOut());
wireSessions();
wireSend();
wirePanels();
wireStats();
wireOnboarding();
wireConversations();
if (auth.apiKey) void act(() => signIn(auth.apiKey));
