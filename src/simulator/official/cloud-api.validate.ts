/**
 * The Cloud API send envelope and per-type limits (reference/official-platform.md A1), as Meta
 * checks them before accepting a message: a Graph error code (100 invalid parameter, 131008 required
 * parameter missing, 131009 parameter value not valid) or null. 360dialog passes Meta's answer
 * through, so both simulators use this.
 */
export interface CloudApiProblem {
  code: number;
  message: string;
}

const problem = (code: number, message: string): CloudApiProblem => ({ code, message });
const invalid = (what: string) => problem(131009, `Parameter value is not valid: ${what}`);
const tooLong = (v: unknown, max: number) => typeof v === 'string' && v.length > max;

export function validateCloudMessage(b: Record<string, unknown>): CloudApiProblem | null {
  if (b.messaging_product !== 'whatsapp')
    return problem(100, '(#100) The parameter messaging_product is required.');
  if (typeof b.to !== 'string' || !/^\+?\d{6,15}$/.test(b.to))
    return problem(100, '(#100) Invalid parameter: to');
  const type = b.type;
  if (typeof type !== 'string' || !(type in b)) return problem(100, '(#100) Invalid parameter: type');
  const c = b[type] as Record<string, unknown> | undefined;
  if (!c || typeof c !== 'object') return problem(100, `(#100) Invalid parameter: ${type}`);
  switch (type) {
    case 'text':
      if (typeof c.body !== 'string' || c.body.length < 1 || c.body.length > 4096)
        return invalid('text.body');
      return null;
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      if ((c.id === undefined) === (c.link === undefined))
        return invalid(`${type} needs exactly one of id or link`);
      if (tooLong(c.caption, 1024)) return invalid('caption');
      return null;
    case 'location':
      if (c.latitude === undefined || c.longitude === undefined)
        return problem(131008, 'Required parameter is missing: latitude/longitude');
      return null;
    case 'reaction':
      if (typeof c.message_id !== 'string')
        return problem(131008, 'Required parameter is missing: message_id');
      return null;
    case 'template': {
      const lang = c.language as { code?: unknown } | undefined;
      if (typeof c.name !== 'string' || typeof lang?.code !== 'string')
        return problem(131008, 'Required parameter is missing: template.name/language.code');
      return null;
    }
    case 'interactive':
      return validateInteractive(c);
    default:
      return null;
  }
}

function validateInteractive(c: Record<string, unknown>): CloudApiProblem | null {
  const body = c.body as { text?: unknown } | undefined;
  if (tooLong(body?.text, 1024)) return invalid('body.text');
  if (tooLong((c.footer as { text?: unknown } | undefined)?.text, 60)) return invalid('footer.text');
  const action = c.action as
    | { buttons?: { reply?: { title?: unknown } }[]; sections?: { rows?: { title?: unknown }[] }[] }
    | undefined;
  if (c.type === 'button') {
    const buttons = action?.buttons ?? [];
    if (buttons.length < 1 || buttons.length > 3) return invalid('1 to 3 buttons');
    if (buttons.some((x) => tooLong(x.reply?.title, 20))) return invalid('button title over 20 characters');
  }
  if (c.type === 'list') {
    const sections = action?.sections ?? [];
    const rows = sections.flatMap((s) => s.rows ?? []);
    if (sections.length > 10) return invalid('up to 10 sections');
    if (rows.length < 1 || rows.length > 10) return invalid('1 to 10 rows');
    if (rows.some((r) => tooLong(r.title, 24))) return invalid('row title over 24 characters');
  }
  return null;
}
