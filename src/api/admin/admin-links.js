// Links to the Temporal Web UI: every message, session, broadcast and onboarding is a workflow whose
// id carries the tenant (`message:<tenant>:<id>` …, src/temporal/workflow-ids.ts). GET /v1/me gives
// the tenant and the UI (TEMPORAL_UI_URL and the namespace); without a UI no link is drawn.
import { api, el, onSignOut } from './admin-core.js';

const me = { tenantId: null, ui: null };

onSignOut(() => {
  me.tenantId = null;
  me.ui = null;
});

/** Reads GET /v1/me: any authenticated read proves the key, this one also names its tenant. */
export async function loadMe() {
  const out = await api('GET', '/v1/me');
  me.tenantId = out.tenantId;
  me.ui = out.temporalUi;
  return out;
}

export const workflowIds = {
  message: (id) => `message:${me.tenantId}:${id}`,
  session: (id) => `session:${me.tenantId}:${id}`,
  broadcast: (id) => `broadcast:${me.tenantId}:${id}`,
  onboarding: (id) => `onboarding:${me.tenantId}:${id}`,
};

/** A broadcast's recipient is sent by its broadcast's workflow (a retry runs a message workflow too). */
export const messageWorkflowId = (m) =>
  m.broadcastId ? workflowIds.broadcast(m.broadcastId) : workflowIds.message(m.id);

export function workflowUrl(workflowId) {
  if (!me.ui || !me.tenantId) return null;
  const ns = encodeURIComponent(me.ui.namespace);
  return `${me.ui.url}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}`;
}

/** `<a>` to the workflow in a new tab, or null when no Temporal Web UI is configured. */
export function workflowLink(workflowId, text = 'Workflow ↗') {
  const href = workflowUrl(workflowId);
  if (!href) return null;
  return el('a', {
    className: 'wf-link',
    href,
    target: '_blank',
    rel: 'noopener noreferrer',
    title: `${workflowId} in the Temporal Web UI`,
    'data-workflow-id': workflowId,
    text,
  });
}
