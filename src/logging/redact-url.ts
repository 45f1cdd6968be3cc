/**
 * Query parameters whose values are secrets and never reach a log line (issue 15): Meta's
 * `hub.verify_token`, the seed gateway's per-session `token`, OAuth codes and anything named like a
 * key or secret. Matched by name, case-insensitive, wherever the parameter appears in the query.
 */
const SECRET_PARAM =
  /^(hub\.verify_token|token|access_token|id_token|refresh_token|api_?key|key|code|secret|client_secret|password|pin|signature|sig)$/i;

export const REDACTED = '[redacted]';

export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** `/webhooks/meta?hub.mode=subscribe&hub.verify_token=abc` → `…&hub.verify_token=[redacted]`. */
export function redactUrlSecrets(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the name as written.
      }
      return eq >= 0 && isSecretParam(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q + 1)}${redacted}${hash < 0 ? '' : url.slice(hash)}`;
}

/** The parsed query as logged: secret parameters' values replaced. */
export function redactQuerySecrets(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, isSecretParam(k) ? REDACTED : v]));
}
