/**
 * Broadcast throughput (issue 18), against the real stack (bench/lib/stack.ts: Temporal dev server,
 * FerretDB, the API and the worker as child processes, the Meta fake on loopback):
 *   single   N single messages through POST /v1/messages (closed loop), the path a broadcast replaces
 *   80/s     one broadcast of R recipients, the sender at Meta's default 80 msg/s
 *   ceiling  the same with the sender's rate raised to 1,000/s (PUT /v1/senders/:id/rate)
 *   accept   the time to accept one broadcast of 10,000 recipients (then cancelled)
 *   kill     (--kill) a broadcast with the worker SIGKILLed mid-way and started again
 * The fake answers every send and POSTs `delivered` for it `--status-delay` ms later (default 1,000,
 * as bench/messages.ts: Meta's delivered comes a second and more after the send), signed, batched
 * every 100 ms as Meta batches statuses (entry[].changes[].value.statuses[]). `--status-delay 0`
 * is the worst case for the records: statuses overtake the write of `sent` and wait in the inbox. Prints sent/s (sustained, from the fake's
 * accept times), delivered end to end, history events per recipient (statuses included: they never
 * reach Temporal), lost and duplicated (sends per recipient counted by the fake).
 *
 *   npx tsx bench/broadcast.ts [--recipients 5000] [--singles 500] [--status-delay 1000] [--kill]
 *     [--timeline] [--phases single,80,ceiling,accept]
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { messageHistoryModel } from '../src/db/models/message-history.model';
import {
  databaseWork,
  stackCpu,
  PHONE_ID,
  log,
  percentile,
  runBench,
  sleep,
  startBenchStack,
  forEachConcurrently,
  sendText,
} from './lib/stack';

const { values: args } = parseArgs({
  options: {
    recipients: { type: 'string', default: '5000' },
    singles: { type: 'string', default: '500' },
    'status-delay': { type: 'string', default: '1000' },
    kill: { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
    memory: { type: 'boolean', default: false },
    /** Which phases to run (the kill phase is --kill): for a quicker look at one of them. */
    phases: { type: 'string', default: 'single,80,ceiling,accept' },
  },
});
const PHASES = new Set(args.phases.split(','));
const R = Number(args.recipients);
const SINGLES = Number(args.singles);
const STATUS_DELAY = Number(args['status-delay']);

interface Row {
  phase: string;
  messages: number;
  'sent/s (sustained)': number;
  'seconds to all delivered': number;
  'history events/msg': number;
  /** CPU ms per recipient, all processes of the stack (PostgreSQL's backends included). */
  'cpu ms/msg': number;
  lost: number;
  duplicated: number;
}

async function main(): Promise<void> {
  const pending: { wamid: string; callbackData?: string; to?: string; due: number }[] = [];
  const stack = await startBenchStack({
    name: 'bcbench',
    tenant: 'bench',
    memory: args.memory,
    env: { BROADCAST_MAX_IN_FLIGHT: '64' },
    // No statuses per send: this bench posts them itself, batched (the webhook URL is still set).
    autoStatuses: [],
    onAccepted: (a) =>
      void pending.push({
        wamid: a.wamid,
        callbackData: String(a.body.biz_opaque_callback_data ?? ''),
        to: String(a.body.to ?? ''),
        due: Date.now() + STATUS_DELAY,
      }),
  });
  // Meta posts statuses in batches: every 100 ms, one signed webhook with every `delivered` due.
  let webhookFailures = 0;
  const post = (batch: typeof pending, attempt = 1): void =>
    void stack.fake
      .emitStatuses(
        batch.map(({ wamid, callbackData, to }) => ({
          wamid,
          callbackData,
          to,
          status: 'delivered' as const,
        })),
        PHONE_ID,
      )
      .then((s) => {
        if (s !== 200) throw new Error(`HTTP ${s}`);
      })
      .catch(() => {
        // As Meta does: a webhook that was not answered 200 is sent again, later.
        webhookFailures++;
        if (attempt < 10) setTimeout(() => post(batch, attempt + 1), 1_000);
      });
  // Meta posts statuses in batches: every 100 ms, signed webhooks of up to 100 statuses each.
  const flusher = setInterval(() => {
    const now = Date.now();
    // Sends are accepted in time order, so the due ones are at the front.
    let due = 0;
    while (due < pending.length && (pending[due] as { due: number }).due <= now) due++;
    for (const batch = pending.splice(0, due); batch.length > 0;) post(batch.splice(0, 100));
  }, 100);
  const client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  const Message = messageHistoryModel(stack.mongo);
  const api = async (method: string, path: string, body?: unknown, key?: string) => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
  };
  const rows: Row[] = [];
  const cpuRows: Record<string, number | string>[] = [];
  const tag = Date.now().toString(36);
  /** Sends the fake accepted per our message id (biz_opaque_callback_data `<tenant>:<id>:<mac>`). */
  const sendsOf = (prefix: string) => {
    const by = new Map<string, number[]>();
    for (const a of stack.fake.accepted) {
      const id = String(a.body.biz_opaque_callback_data ?? '').split(':')[1] ?? '';
      if (!id.startsWith(prefix)) continue;
      by.set(id, [...(by.get(id) ?? []), a.at]);
    }
    return by;
  };
  /** Sustained rate: the middle 90 % of the sends (leaves out start-up and the tail). */
  const sustained = (times: number[]) => {
    const s = [...times].sort((a, b) => a - b);
    const lo = s[Math.floor(s.length * 0.05)] as number;
    const hi = s[Math.floor(s.length * 0.95)] as number;
    return hi > lo ? +((s.length * 0.9) / ((hi - lo) / 1000)).toFixed(1) : NaN;
  };
  const waitDelivered = async (
    filter: Record<string, unknown>,
    n: number,
    what: string,
    acceptedBefore: number,
  ) => {
    const deadline = Date.now() + 20 * 60_000;
    // Until the fake has accepted them all (or accepts no more for 30 s), counting records (a read
    // of every recipient on FerretDB) would only add its own load to what is measured.
    for (
      let seen = -1, since = Date.now();
      stack.fake.accepted.length < acceptedBefore + n;
      await sleep(100)
    ) {
      if (stack.fake.accepted.length !== seen) [seen, since] = [stack.fake.accepted.length, Date.now()];
      else if (Date.now() - since > 30_000) break;
    }
    for (;;) {
      const d = await Message.countDocuments({ ...filter, status: 'delivered' });
      if (d >= n) return;
      if (Date.now() > deadline) throw new Error(`${what}: ${d}/${n} delivered after 20 min`);
      await sleep(500);
    }
  };
  const recipients = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => ({
      to: `49160${String(10_000_000 + offset + i)}`,
      parameters: [`C${i}`],
    }));
  const template = { name: 'bench_notice', language: 'en_US' };

  async function broadcastPhase(phase: string, n: number, offset: number, kill = false): Promise<void> {
    const t0 = Date.now();
    const acceptedBefore = stack.fake.accepted.length;
    const cpu = stackCpu(stack);
    const work = stack.pgDatabase ? databaseWork(stack.pgDatabase) : null;
    const res = await api(
      'POST',
      '/v1/broadcasts',
      { from: 'meta-bench', type: 'template', template, recipients: recipients(n, offset) },
      `${tag}-${phase.replace(/[^A-Za-z0-9]+/g, '-')}`,
    );
    if (res.status !== 202)
      throw new Error(`${phase}: POST /v1/broadcasts answered ${res.status}: ${JSON.stringify(res.body)}`);
    const id = String(res.body.id);
    log(`${phase}: broadcast ${id} of ${n} accepted in ${Date.now() - t0} ms`);
    let inFlightAtKill = 0;
    if (kill) {
      const prefix = `msg_${id}-`;
      while (sendsOf(prefix).size < n * 0.4) await sleep(50);
      inFlightAtKill = stack.fake.inFlight;
      await stack.kill('worker');
      log(
        `${phase}: worker SIGKILLed after ${sendsOf(prefix).size} sends (${inFlightAtKill} requests in flight at the fake)`,
      );
      await sleep(2_000);
      await stack.restart('worker');
    }
    await waitDelivered({ broadcastId: id }, n, phase, acceptedBefore);
    const seconds = (Date.now() - t0) / 1000;
    const used = cpu();
    cpuRows.push({
      phase,
      ...Object.fromEntries(
        Object.entries(used).map(([k, secs]) => [`${k} ms/msg`, +((secs * 1000) / n).toFixed(2)]),
      ),
    });
    const sends = sendsOf(`msg_${id}-`);
    const times = [...sends.values()].map((t) => t[0] as number);
    const dup = [...sends.values()].reduce((a, t) => a + t.length - 1, 0);
    if (args.timeline) {
      // Sends per second from the first: where sending stalls (between chunks, say).
      const first = Math.min(...times);
      const perSecond: number[] = [];
      for (const t of times)
        perSecond[Math.floor((t - first) / 1000)] = (perSecond[Math.floor((t - first) / 1000)] ?? 0) + 1;
      log(`${phase}: sends per second ${Array.from(perSecond, (x) => x ?? 0).join(' ')}`);
    }
    const history = (await client.workflow.getHandle(`broadcast:bench:${id}`).fetchHistory()).events ?? [];
    rows.push({
      phase,
      messages: n,
      'sent/s (sustained)': sustained(times),
      'seconds to all delivered': +seconds.toFixed(1),
      'history events/msg': +(history.length / n).toFixed(4),
      'cpu ms/msg': +((Object.values(used).reduce((a, b) => a + b, 0) * 1000) / n).toFixed(1),
      lost: n - sends.size,
      duplicated: dup,
    });
    if (kill) log(`${phase}: ${dup} duplicated sends, ${inFlightAtKill} were in flight at the kill`);
    if (work) {
      log(`${phase}: PostgreSQL rows per recipient, by collection (this bench's own polling included)`);
      console.table(await work(n));
    }
  }

  try {
    // The single-message path, for comparison (closed loop, 32 at a time).
    if (SINGLES > 0 && PHASES.has('single')) {
      log(`single: ${SINGLES} POST /v1/messages, closed loop`);
      const t0 = Date.now();
      const acceptedBefore = stack.fake.accepted.length;
      const cpu = stackCpu(stack);
      const ids: string[] = [];
      await forEachConcurrently(SINGLES, 32, async (i) => {
        const r = await sendText(stack, i, `${tag}-single`);
        if (r.status !== 202 || !r.id) throw new Error(`single ${i}: ${r.status}`);
        ids.push(r.id);
      });
      await waitDelivered({ messageId: { $in: ids } }, SINGLES, 'single', acceptedBefore);
      const seconds = (Date.now() - t0) / 1000;
      const used = cpu();
      cpuRows.push({
        phase: 'single messages',
        ...Object.fromEntries(
          Object.entries(used).map(([k, secs]) => [`${k} ms/msg`, +((secs * 1000) / SINGLES).toFixed(2)]),
        ),
      });
      const sends = new Map<string, number[]>();
      for (const a of stack.fake.accepted) {
        const id = String(a.body.biz_opaque_callback_data ?? '').split(':')[1] ?? '';
        if (ids.includes(id)) sends.set(id, [...(sends.get(id) ?? []), a.at]);
      }
      let events = 0;
      for (const id of ids.slice(0, 50))
        events += ((await client.workflow.getHandle(`message:bench:${id}`).fetchHistory()).events ?? [])
          .length;
      rows.push({
        phase: 'single messages (POST /v1/messages)',
        messages: SINGLES,
        'sent/s (sustained)': sustained([...sends.values()].map((t) => t[0] as number)),
        'seconds to all delivered': +seconds.toFixed(1),
        'history events/msg': +(events / Math.min(50, ids.length)).toFixed(2),
        'cpu ms/msg': +((Object.values(used).reduce((a, b) => a + b, 0) * 1000) / SINGLES).toFixed(1),
        lost: SINGLES - sends.size,
        duplicated: [...sends.values()].reduce((a, t) => a + t.length - 1, 0),
      });
    }

    if (PHASES.has('80')) await broadcastPhase('broadcast, sender at 80/s', R, 0);

    const rate = await api('PUT', '/v1/senders/meta-bench/rate', { ratePerSecond: 1000, burst: 1000 });
    if (rate.status !== 200) throw new Error(`PUT rate: ${rate.status}`);
    if (PHASES.has('ceiling')) await broadcastPhase('broadcast, sender at 1,000/s (ceiling)', R, R);

    // Time to accept 10,000 recipients (validation, storage, workflow start); cancelled right after.
    const acceptTimes: number[] = [];
    for (let k = 0; k < (PHASES.has('accept') ? 3 : 0); k++) {
      const body = {
        from: 'meta-bench',
        type: 'template',
        template,
        recipients: recipients(10_000, 100_000 * (k + 1)),
        notBefore: new Date(Date.now() + 3_600_000).toISOString(),
      };
      const t0 = Date.now();
      const res = await api('POST', '/v1/broadcasts', body, `${tag}-accept-${k}`);
      acceptTimes.push(Date.now() - t0);
      if (res.status !== 202) throw new Error(`accept 10k: ${res.status} ${JSON.stringify(res.body)}`);
      await api('POST', `/v1/broadcasts/${String(res.body.id)}/cancel`);
    }
    log(`accept 10,000 recipients: ${acceptTimes.join(', ')} ms (median ${percentile(acceptTimes, 50)} ms)`);

    if (args.kill) await broadcastPhase('broadcast at 1,000/s, worker SIGKILLed at 40 %', R, 2 * R, true);

    console.table(rows);
    console.table(cpuRows);
    log(
      `time to accept 10,000 recipients: median ${percentile(acceptTimes, 50)} ms of ${acceptTimes.length}`,
    );
    log(
      `status webhooks that failed: ${webhookFailures}; webhook failures seen by the fake: ${stack.fake.webhookFailures.length}`,
    );
  } finally {
    clearInterval(flusher);
    await client.connection.close();
    await stack.stop();
  }
}

runBench(main);
