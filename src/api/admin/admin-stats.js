// Statistics panel: GET /v1/stats for today / the last 7 / the last 30 UTC days, shown as totals,
// the two rates, a by-provider table and failures by error code.
import { $, ApiError, act, api, el, fmtTime } from './admin-core.js';

const STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed', 'cancelled'];
const DAYS = { today: 1, '7d': 7, '30d': 30 };

/** The UTC date `days - 1` days before today: the range then ends now and spans `days` UTC days. */
function fromFor(period) {
  const start = new Date(Date.now() - ((DAYS[period] || 7) - 1) * 86_400_000);
  return start.toISOString().slice(0, 10);
}

/** `2025-03-01 13:05 UTC`: the API's periods are UTC, so is the range shown. */
const utc = (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const pct = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);

function table(id, head, rows, empty) {
  const body = rows.length
    ? rows
    : [el('tr', {}, el('td', { className: 'muted', colspan: head.length, text: empty }))];
  return el(
    'div',
    { className: 'table-wrap' },
    el('table', { className: 'table', id }, [
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          head.map((h) => el('th', { text: h })),
        ),
      ),
      el('tbody', {}, body),
    ]),
  );
}

const countCells = (counts) =>
  ['total', ...STATUSES].map((s) => el('td', { 'data-count': s, text: String(counts[s]) }));

function render(stats) {
  const box = $('stats-body');
  box.className = '';
  const range = `${utc(stats.range.from)} → ${utc(stats.range.to)}`;
  const totals = table(
    'stats-totals',
    ['Total', ...STATUSES.map((s) => s[0].toUpperCase() + s.slice(1))],
    [el('tr', {}, countCells(stats.totals))],
    '',
  );
  const rates = el('p', { id: 'stats-rates' }, [
    el('span', {
      title: '(delivered + read) / (sent + delivered + read + failed)',
      text: 'Delivery rate ',
    }),
    el('strong', { 'data-rate': 'delivery', text: pct(stats.rates.delivery) }),
    el('span', { title: 'read / (delivered + read)', text: ' · Read rate ' }),
    el('strong', { 'data-rate': 'read', text: pct(stats.rates.read) }),
  ]);
  const providers = table(
    'stats-providers',
    ['Provider', 'Total', 'Sent', 'Delivered', 'Read', 'Failed', 'Delivery', 'Read rate'],
    stats.byProvider.map((p) =>
      el('tr', { 'data-provider': p.provider }, [
        el('td', { text: p.provider }),
        ...['total', 'sent', 'delivered', 'read', 'failed'].map((s) =>
          el('td', { 'data-count': s, text: String(p.counts[s]) }),
        ),
        el('td', { 'data-rate': 'delivery', text: pct(p.rates.delivery) }),
        el('td', { 'data-rate': 'read', text: pct(p.rates.read) }),
      ]),
    ),
    'No messages in this period',
  );
  const failures = table(
    'stats-failures',
    ['Error code', 'Count', 'Latest error', 'At'],
    stats.failures.map((f) =>
      el('tr', { 'data-error-code': f.errorCode ?? '' }, [
        el('td', { text: f.errorCode ?? '(none)' }),
        el('td', { text: String(f.count) }),
        el('td', { className: 'error-text', text: f.latest.errorMessage ?? '' }),
        el('td', { text: fmtTime(f.latest.failedAt) }),
      ]),
    ),
    'No failures',
  );
  box.replaceChildren(
    el('p', { className: 'muted', text: range }),
    totals,
    rates,
    el('div', { className: 'grid' }, [
      el('div', {}, [el('h3', { text: 'By provider' }), providers]),
      el('div', {}, [el('h3', { text: 'Failures by error code' }), failures]),
    ]),
  );
}

export async function refreshStats() {
  const query = new URLSearchParams({ from: fromFor($('stats-period').value), granularity: 'day' });
  let stats;
  try {
    stats = await api('GET', `/v1/stats?${query}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    $('stats-body').textContent =
      err.code === 'route_not_found' ? 'Not available yet' : `${err.code}: ${err.message}`;
    return;
  }
  render(stats);
}

export function wireStats() {
  $('stats-period').addEventListener('change', () => void act(refreshStats));
}
