// Renders /openapi.json: operations grouped by tag, with parameters, request body schema and
// responses. DOM built with textContent only (the document is data, never markup).

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** Inlines `#/components/...` references so each schema reads on its own. */
function resolve(doc, value, seen = new Set()) {
  if (Array.isArray(value)) return value.map((v) => resolve(doc, v, seen));
  if (!value || typeof value !== 'object') return value;
  if (typeof value.$ref === 'string' && value.$ref.startsWith('#/') && !seen.has(value.$ref)) {
    const target = value.$ref
      .slice(2)
      .split('/')
      .reduce((o, k) => (o ? o[k] : undefined), doc);
    return resolve(doc, target, new Set([...seen, value.$ref]));
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(doc, v, seen)]));
}

function schemaBlock(doc, schema) {
  return el('pre', {}, JSON.stringify(resolve(doc, schema), null, 2));
}

function parametersTable(doc, params) {
  const rows = params.map((p) => {
    const s = resolve(doc, p.schema ?? {});
    const rule = Object.entries(s)
      .filter(([k]) => k !== 'type')
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(', ');
    return el(
      'tr',
      {},
      el('td', {}, el('code', {}, p.name)),
      el('td', {}, p.in),
      el('td', {}, p.required ? 'required' : 'optional'),
      el('td', {}, JSON.stringify(s.type ?? s.anyOf ?? '')),
      el('td', {}, rule),
    );
  });
  const head = el('tr', {}, ...['name', 'in', '', 'type', 'rules'].map((h) => el('th', {}, h)));
  return el('table', {}, head, ...rows);
}

function operationNode(doc, path, method, op) {
  const security = (op.security ?? []).flatMap((s) => Object.keys(s));
  const body = el('div', {});
  if (op.description) body.append(el('p', {}, op.description));
  body.append(el('p', { class: 'muted' }, `Auth: ${security.length ? security.join(', ') : 'none'}`));
  if (op.parameters?.length) body.append(el('h4', {}, 'Parameters'), parametersTable(doc, op.parameters));
  const content = op.requestBody?.content ?? {};
  for (const [type, media] of Object.entries(content)) {
    body.append(el('h4', {}, `Request body (${type})`), schemaBlock(doc, media.schema ?? {}));
  }
  const responses = el('table', {}, el('tr', {}, el('th', {}, 'status'), el('th', {}, 'description')));
  for (const [status, r] of Object.entries(op.responses ?? {})) {
    responses.append(el('tr', {}, el('td', {}, status), el('td', {}, resolve(doc, r).description ?? '')));
  }
  body.append(el('h4', {}, 'Responses'), responses);
  const summary = el(
    'summary',
    {},
    el('span', { class: `method method-${method}` }, method),
    el('code', {}, path),
    el('span', { class: 'muted' }, op.summary ?? ''),
  );
  const node = el('details', { class: 'op' }, summary, body);
  node.dataset.search = `${method} ${path} ${op.summary ?? ''} ${(op.tags ?? []).join(' ')}`.toLowerCase();
  return node;
}

function render(doc) {
  document.getElementById('title').textContent = `${doc.info.title} ${doc.info.version}`;
  document.getElementById('description').textContent = doc.info.description ?? '';
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationNode(doc, path, method, op));
    }
  }
  const main = document.getElementById('operations');
  main.replaceChildren();
  for (const [tag, nodes] of byTag) main.append(el('section', {}, el('h2', {}, tag), ...nodes));
  for (const [name, hook] of Object.entries(doc.webhooks ?? {})) {
    const op = hook.post;
    if (op)
      main.append(
        el('section', {}, el('h2', {}, `Webhook sent: ${name}`), operationNode(doc, name, 'post', op)),
      );
  }
  document.getElementById('filter').addEventListener('input', (e) => {
    const q = e.target.value.trim().toLowerCase();
    for (const node of main.querySelectorAll('details.op'))
      node.hidden = q !== '' && !node.dataset.search.includes(q);
  });
}

fetch('/openapi.json')
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
  .then(render)
  .catch((err) => {
    document
      .getElementById('operations')
      .replaceChildren(el('p', {}, `Could not load /openapi.json: ${err.message}`));
  });
