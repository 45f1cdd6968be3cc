// Broadcast recipients from CSV (`phone,param1,param2,…`), parsed in the browser so every row's
// problem is shown before anything is sent. The rules mirror POST /v1/broadcasts
// (src/schemas/broadcast.schema.ts, src/domain/phone.ts), which still checks everything again.

export const MAX_RECIPIENTS = 10000;
const MAX_PARAMS = 20;
const MAX_PARAM_LENGTH = 1024;

/** Records of RFC 4180 CSV: quoted fields ("" for a quote, commas and line breaks inside), CRLF or LF. */
export function parseCsv(text) {
  const src = text.replace(/^\uFEFF/, '');
  const records = [];
  let fields = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  // A blank line is no record (a line of commas is one: it has fields, all empty).
  const endRecord = () => {
    const blank = fields.length === 0 && field.trim() === '' && !wasQuoted;
    endField();
    if (!blank) records.push({ line: start, fields });
    fields = [];
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (ch === ',') endField();
    else if (wasQuoted && (ch === ' ' || ch === '\t')) continue;
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += ch;
  }
  if (quoted) return { records, unterminatedAt: start };
  if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
  return { records, unterminatedAt: null };
}

/** As the API normalises a number (src/domain/phone.ts): digits only, 8-15, no leading 0. */
export function normalisePhone(input) {
  let s = String(input)
    .trim()
    .replace(/[\s().-]/g, '');
  if (s.startsWith('+')) s = s.slice(1);
  else if (s.startsWith('00')) s = s.slice(2);
  return /^[1-9]\d{7,14}$/.test(s) ? s : null;
}

/** The highest placeholder {{n}} of a text body (0 = none). */
export function placeholdersIn(body) {
  let max = 0;
  for (const m of String(body).matchAll(/\{\{(\d{1,2})\}\}/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/** A text body with one recipient's values, as the broadcast's workflow personalises it. */
export const renderText = (body, params) =>
  String(body).replace(/\{\{(\d{1,2})\}\}/g, (m, n) => params[Number(n) - 1] ?? m);

/**
 * Recipients from CSV text. `needs`: how many parameters each row must have (a text body's highest
 * placeholder; 0 for a template, whose count only Meta knows). A first row whose first cell is not a
 * number but has letters is a header. Empty trailing cells are dropped (spreadsheets pad rows).
 */
export function recipientsFromCsv(text, needs = 0) {
  const { records, unterminatedAt } = parseCsv(text);
  const errors = [];
  const recipients = [];
  const seen = new Map();
  let header = null;
  if (unterminatedAt !== null)
    errors.push({ line: unterminatedAt, message: 'a quoted field is not closed (missing ")' });
  const rows = records.filter((r) => r.fields.some((f) => f !== ''));
  for (const [i, r] of rows.entries()) {
    const cells = [...r.fields];
    while (cells.length > 1 && cells[cells.length - 1] === '') cells.pop();
    const [phone = '', ...params] = cells;
    if (i === 0 && !normalisePhone(phone) && /[a-z]/i.test(phone)) {
      header = r.line;
      continue;
    }
    const problem = rowProblem(phone, params, needs, seen);
    if (problem) {
      errors.push({ line: r.line, message: problem });
      continue;
    }
    const to = normalisePhone(phone);
    seen.set(to, r.line);
    recipients.push(params.length > 0 ? { to, parameters: params, line: r.line } : { to, line: r.line });
  }
  if (recipients.length + errors.length === 0) errors.push({ line: null, message: 'no recipients' });
  if (recipients.length > MAX_RECIPIENTS)
    errors.push({
      line: null,
      message: `${recipients.length} recipients: a broadcast takes at most ${MAX_RECIPIENTS}`,
    });
  return { recipients, errors, header };
}

function rowProblem(phone, params, needs, seen) {
  if (phone === '') return 'no phone number in the first column';
  const to = normalisePhone(phone);
  if (!to) return `"${phone}" is not a phone number in international format (8-15 digits)`;
  if (seen.has(to)) return `${to} is also on line ${seen.get(to)}: each number once per broadcast`;
  if (params.length > MAX_PARAMS) return `${params.length} parameters: at most ${MAX_PARAMS}`;
  const empty = params.findIndex((p) => p === '');
  if (empty >= 0) return `parameter ${empty + 1} is empty`;
  const long = params.findIndex((p) => p.length > MAX_PARAM_LENGTH);
  if (long >= 0) return `parameter ${long + 1} is longer than ${MAX_PARAM_LENGTH} characters`;
  if (params.length < needs)
    return `${params.length} parameter${params.length === 1 ? '' : 's'}, the message uses ${
      needs === 1 ? '{{1}}' : `{{1}} to {{${needs}}}`
    }`;
  return null;
}
