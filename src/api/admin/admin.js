// The admin page's entry module: sign in / out and the polling loops. Plain browser modules over
// the public /v1 API (no framework, no build step); every action is an API call.
import { $, act, auth, hideNotice, loop, onSignOut, rememberKey, signOut } from './admin-core.js';
import { refreshMessages, refreshTracked } from './admin-messages.js';
import { onMessageCommand, refreshMessageDetail, wireMessageDetail } from './admin-message-detail.js';
import { refreshBroadcastDetail, refreshBroadcasts, wireBroadcasts } from './admin-broadcasts.js';
import { refreshSenders, wireSenders } from './admin-senders.js';
import { loadMe } from './admin-links.js';
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
  // Any authenticated read proves the key; this one names its tenant, which the workflow links need.
  const me = await loadMe();
  rememberKey(key);
  $('sign-in-panel').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('who-key').textContent = `Signed in with key …${key.slice(-4)} (tenant ${me.tenantId})`;
  hideNotice();
  // Seed 000 polls every 3 s while a QR may be shown; the selected session is polled faster.
  loop(refreshSessions, 3000);
  loop(refreshDetail, 2000);
  loop(refreshMessages, 3000);
  loop(refreshTracked, 1000);
  loop(refreshMessageDetail, 2000);
  loop(refreshBroadcasts, 3000);
  loop(refreshBroadcastDetail, 2000);
  loop(refreshSenders, 10000);
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
wireMessageDetail();
wireBroadcasts();
wireSenders();
onMessageCommand(() => refreshMessages());
if (auth.apiKey) void act(() => signIn(auth.apiKey));
