/**
 * Fault-injection benchmark (not a test; issue 13): N text messages through the real API → message
 * workflows → the Meta fake, with one fault injected once `--at` messages have been sent (the API's
 * kill: once `--at` have been accepted).
 *
 *   npx tsx bench/faults.ts [--n 2000] [--concurrency 16] [--at 600] [--fault all|<name>[,<name>…]] [--rate 80]
 *
 * Faults: none · worker-kill · worker-kill-inflight · api-kill · temporal-kill · ferretdb-kill ·
 * ferretdb-down-30s · provider-500-60s. A kill is a SIGKILL, the process restarted after 5 s on the
 * same port and data. The client behaves as a client should: a request that got no answer or a 5xx
 * is sent again with the same Idempotency-Key (after Retry-After when given) until it gets a 2xx.
 * Each fault runs on a fresh stack. Prints one line per fault: accepted, failed (by error code),
 * lost (accepted, never sent and not failed), duplicated (sent more than once), the longest gap
 * between two consecutive sends, and for kills how long sending took to resume after the restart.
 */
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { messageHistoryModel } from '../src/db/models/message-history.model';
import { forEachConcurrently, log, runBench, sleep, startBenchStack, type BenchStack } from './lib/stack';

const FAULTS = [
  'none',
  'worker-kill',
  'worker-kill-inflight',
  'api-kill',
  'temporal-kill',
  'ferretdb-kill',
  'ferretdb-down-30s',
  'provider-500-60s',
] as const;
type Fault = (typeof FAULTS)[number];

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    at: { type: 'string', default: '600' },
    fault: { type: 'string', default: 'all' },
    rate: { type: 'string', default: '80' },
    'drain-timeout': { type: 'string', default: '600' },
  },
});
const N = Number(args.n);
const AT = Number(args.at);
const faults: Fault[] =
  args.fault === 'all'
    ? [...FAULTS]
    : args.fault.split(',').map((f) => {
        if (!(FAULTS as readonly string[]).includes(f)) throw new Error(`unknown fault ${f}`);
        return f as Fault;
      });

/** POST until a 2xx, as a careful client does: same Idempotency-Key, wait on no answer or 5xx. */
async function acceptOnce(stack: BenchStack, i: number, counts: Record<string, number>): Promise<string> {
  for (;;) {
    try {
      const res = await fetch(`${stack.apiUrl}/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `fault-${i}`,
        },
        body: JSON.stringify({
          from: 'meta-bench',
          to: `4915${String(100000000 + i)}`,
          type: 'text',
          text: { body: `fault ${i}` },
        }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json().catch(() => ({}))) as { id?: string };
      if (res.ok && body.id) return body.id;
      counts[`http ${res.status}`] = (counts[`http ${res.status}`] ?? 0) + 1;
      if (res.status < 500 && res.status !== 429) throw new Error(`message ${i} refused: ${res.status}`);
      await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('message ')) throw err;
      counts['no answer'] = (counts['no answer'] ?? 0) + 1;
      await sleep(500);
    }
  }
}

/**
 * When the restarted worker (by pid) is polling its task queue for activities: "a replacement is up".
 * The SDK's default worker identity is `<pid>@<host>`.
 */
async function pollingSince(stack: BenchStack, taskQueue: string, from: number): Promise<number | undefined> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    const pid = stack.worker.pid;
    for (let deadline = Date.now() + 120_000; Date.now() < deadline;) {
      const res = await connection.workflowService
        .describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: taskQueue },
          taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        })
        .catch(() => null);
      const seen = res?.pollers?.some(
        (p) =>
          p.identity?.startsWith(`${pid}@`) && Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= from - 1_000,
      );
      if (seen) return Date.now();
      await sleep(100);
    }
    return undefined;
  } finally {
    await connection.close();
  }
}

async function inject(
  stack: BenchStack,
  fault: Fault,
): Promise<{ injectedAt: number; killedAt?: number; restartedAt?: number; readyAt?: number }> {
  const injectedAt = Date.now();
  return { injectedAt, ...(await injectFault(stack, fault)) };
}

async function injectFault(
  stack: BenchStack,
  fault: Fault,
): Promise<{ killedAt?: number; restartedAt?: number; readyAt?: number }> {
  const killRestart = async (name: 'worker' | 'api' | 'temporal' | 'ferretdb', downMs: number) => {
    await stack.kill(name);
    log(`${name} killed`);
    await sleep(downMs);
    const restartedAt = Date.now();
    await stack.restart(name);
    log(`${name} restarted`);
    return { restartedAt };
  };
  switch (fault) {
    case 'none':
      return {};
    case 'worker-kill': {
      const r = await killRestart('worker', 5_000);
      return { ...r, readyAt: await pollingSince(stack, stack.taskQueue, r.restartedAt) };
    }
    case 'worker-kill-inflight': {
      // Sends held at the provider for 3 s, killed once 5 are in flight: those 5 may be sent twice.
      stack.fake.setLatency(3_000);
      const deadline = Date.now() + 30_000;
      while (stack.fake.inFlight < 5 && Date.now() < deadline) await sleep(10);
      log(`${stack.fake.inFlight} sends in flight at the provider`);
      const killedAt = Date.now();
      await stack.kill('worker');
      stack.fake.setLatency(0);
      await sleep(5_000);
      const restartedAt = Date.now();
      await stack.restart('worker');
      return { killedAt, restartedAt, readyAt: await pollingSince(stack, stack.taskQueue, restartedAt) };
    }
    case 'api-kill':
      return killRestart('api', 5_000);
    case 'temporal-kill':
      return killRestart('temporal', 5_000);
    case 'ferretdb-kill':
      return killRestart('ferretdb', 5_000);
    case 'ferretdb-down-30s':
      return killRestart('ferretdb', 30_000);
    case 'provider-500-60s':
      stack.fake.down(); // HTTP 500, code 2, "Service temporarily unavailable", is_transient
      log('provider down');
      await sleep(60_000);
      stack.fake.up();
      log('provider up');
      return { restartedAt: Date.now() };
  }
}

async function runFault(fault: Fault): Promise<Record<string, unknown>> {
  const stack = await startBenchStack({
    name: 'faults',
    tenant: 'bench',
    memory: false,
    env: { RATE_LIMIT_META_PER_SECOND: args.rate, RATE_LIMIT_META_BURST: args.rate },
  });
  try {
    const accepted = new Map<string, number>();
    const answers: Record<string, number> = {};
    // The fault is injected once `--at` messages have been sent (not merely accepted), so it always
    // lands while sends are flowing, however far sending lags behind accepting on a loaded box.
    let injectedAtSent = 0;
    // Killing the API is about accepting: that one is injected once --at messages have been accepted.
    const ready = () => (fault === 'api-kill' ? accepted.size : stack.fake.accepted.length) >= AT;
    const injected = (async () => {
      while (!ready()) await sleep(20);
      injectedAtSent = stack.fake.accepted.length;
      log(`${fault}: injecting after ${injectedAtSent} sent (${accepted.size} accepted)`);
      return inject(stack, fault);
    })();
    const t0 = Date.now();
    await forEachConcurrently(N, Number(args.concurrency), async (i) => {
      accepted.set(await acceptOnce(stack, i, answers), Date.now());
    });
    log(`${fault}: ${accepted.size} accepted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const { injectedAt, killedAt, restartedAt, readyAt } = await injected;

    const Message = messageHistoryModel(stack.mongo);
    const sentIds = () =>
      new Set(stack.fake.accepted.map((a) => String(a.body.biz_opaque_callback_data).split(':')[1]));
    const deadline = Date.now() + Number(args['drain-timeout']) * 1000;
    let failed: { messageId: string; errorCode: string | null; retryable: boolean }[] = [];
    for (;;) {
      const sent = sentIds();
      failed = await Message.find({ tenantId: 'bench', status: 'failed' }, null, { lean: true });
      const done = [...accepted.keys()].every((id) => sent.has(id) || failed.some((f) => f.messageId === id));
      if (done || Date.now() > deadline) break;
      await sleep(1_000);
    }
    const sent = sentIds();
    const byId = new Map<string, number>();
    for (const a of stack.fake.accepted) {
      const id = String(a.body.biz_opaque_callback_data).split(':')[1] as string;
      byId.set(id, (byId.get(id) ?? 0) + 1);
    }
    const times = stack.fake.accepted.map((a) => a.at).sort((a, b) => a - b);
    let gap = 0;
    let gapAt = 0;
    for (let k = 1; k < times.length; k++)
      if ((times[k] as number) - (times[k - 1] as number) > gap) {
        gap = (times[k] as number) - (times[k - 1] as number);
        gapAt = (times[k - 1] as number) - t0;
      }
    // The longest gap once the fault is over (the restarted process up, the provider back).
    const after = times.filter((t) => t >= (readyAt ?? restartedAt ?? Infinity));
    let gapAfter = 0;
    for (let k = 1; k < after.length; k++)
      gapAfter = Math.max(gapAfter, (after[k] as number) - (after[k - 1] as number));
    const firstAfterRestart = restartedAt ? times.find((t) => t >= restartedAt) : undefined;
    const firstAfterReady = readyAt ? times.find((t) => t >= readyAt) : undefined;
    const failedCodes: Record<string, number> = {};
    for (const f of failed)
      failedCodes[`${f.errorCode}${f.retryable ? '' : ' (not retryable)'}`] =
        (failedCodes[`${f.errorCode}${f.retryable ? '' : ' (not retryable)'}`] ?? 0) + 1;
    return {
      fault,
      'injected after sent': injectedAtSent,
      accepted: accepted.size,
      failed: failed.length,
      'failed by code': failedCodes,
      lost: [...accepted.keys()].filter((id) => !sent.has(id) && !failed.some((f) => f.messageId === id))
        .length,
      duplicated: [...byId.values()].reduce((n, c) => n + (c - 1), 0),
      // The documented case: the provider had the first send before the fault (in flight, or
      // answered while the dying process had not reported it yet): by request arrival, not answer.
      'duplicated, first send before the fault': [...byId].filter(
        ([id, c]) =>
          c > 1 &&
          stack.fake.requests.some(
            (r) =>
              r.at <= (killedAt ?? injectedAt) &&
              String(
                (r.body as { biz_opaque_callback_data?: string } | undefined)?.biz_opaque_callback_data,
              ).split(':')[1] === id,
          ),
      ).length,
      'longest gap in sends s': +(gap / 1000).toFixed(1),
      'gap starts at t s': +(gapAt / 1000).toFixed(1),
      'fault at t s': +((injectedAt - t0) / 1000).toFixed(1),
      'restarted at t s': restartedAt ? +((restartedAt - t0) / 1000).toFixed(1) : null,
      'longest gap after the fault s': restartedAt ? +(gapAfter / 1000).toFixed(1) : null,
      'first send after restart s':
        firstAfterRestart && restartedAt ? +((firstAfterRestart - restartedAt) / 1000).toFixed(1) : null,
      'replacement worker polling after s':
        readyAt && restartedAt ? +((readyAt - restartedAt) / 1000).toFixed(1) : null,
      'first send after the replacement polls s':
        firstAfterReady && readyAt ? +((firstAfterReady - readyAt) / 1000).toFixed(1) : null,
      'sent/s': +(sent.size / (((times.at(-1) ?? t0) - t0) / 1000)).toFixed(1),
      'non-2xx answers retried by the client': answers,
    };
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  for (const fault of faults) {
    const row = await runFault(fault);
    rows.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  process.stdout.write(`\n${JSON.stringify(rows, null, 2)}\n`);
}

runBench(main);
