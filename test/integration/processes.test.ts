import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../scripts/lib/infra';
import { testEnv } from '../helpers/env';
import { TEST_TEMPORAL_PROTECTION_ENV, uniqueTaskQueue } from '../helpers/temporal';
import { useInfra } from '../fixtures/infra';
import { runEntryPoint, until } from '../helpers/processes';

/** The real entry points (composition roots) as child processes: start, serve, stop cleanly. */
const run = runEntryPoint;

describe('process entry points', () => {
  const infra = useInfra({ queue: 'proc' });
  let baseEnv: Record<string, string>;

  beforeAll(() => {
    baseEnv = {
      TEMPORAL_ADDRESS: testEnv('TEST_TEMPORAL_ADDRESS'),
      MONGODB_URI: infra.db.uri,
      ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      WORKFLOW_BUNDLE_PATH: testEnv('TEST_WORKFLOW_BUNDLE'),
      // The test client seals payloads (issue 15): the processes must hold the same keys.
      ...TEST_TEMPORAL_PROTECTION_ENV,
    };
  });

  it('worker: serves workflows from its task queue, then exits 0 on SIGTERM', async () => {
    const taskQueue = uniqueTaskQueue('proc');
    const worker = run('workers/main.ts', { ...baseEnv, TEMPORAL_TASK_QUEUE: taskQueue });
    await until(() => worker.output().includes('worker running'), 'worker running');

    const result = await infra.temporal.client.workflow.execute('pingWorkflow', {
      taskQueue,
      workflowId: `ping:proc:${randomBytes(4).toString('hex')}`,
      args: [{ tenantId: 'proc', pingId: randomBytes(4).toString('hex') }],
    });
    expect(result).toMatchObject({ writes: 1 });

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('worker stopped');
  });

  it('worker: SIGTERM lets an in-flight activity finish before the process exits 0', async () => {
    const taskQueue = uniqueTaskQueue('grace');
    // The hold is the worker's setting (DIAGNOSTICS_PING_HOLD_MS), never the caller's (issue 15).
    const worker = run('workers/main.ts', {
      ...baseEnv,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DIAGNOSTICS_PING_HOLD_MS: '2000',
    });
    await until(() => worker.output().includes('worker running'), 'worker running');

    const pingId = randomBytes(4).toString('hex');
    const handle = await infra.temporal.client.workflow.start('pingWorkflow', {
      taskQueue,
      workflowId: `ping:grace:${pingId}`,
      args: [{ tenantId: 'grace', pingId }],
    });
    await until(async () => {
      const d = await handle.describe();
      return (d.raw.pendingActivities ?? []).some((a) => Number(a.attempt) >= 1 && a.lastStartedTime);
    }, 'the activity to be running');

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    // The activity completed on the stopping worker (not failed, not timed out, not retried)…
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    expect(
      history.events?.some(
        (e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes,
      ),
    ).toBe(false);
    // …and the next worker finishes the workflow from there: one write, nothing redone.
    const next = run('workers/main.ts', { ...baseEnv, TEMPORAL_TASK_QUEUE: taskQueue });
    expect(await handle.result()).toMatchObject({ writes: 1 });
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it('api: becomes ready on its port, then exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const api = run('src/api/server.ts', { ...baseEnv, PORT: String(port), HOST: '127.0.0.1' });
    await until(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
      return res?.status === 200;
    }, 'api /readyz 200');
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.output()).toContain('api stopped');
  });

  it('a missing variable stops the process with one line naming it', async () => {
    const { ENCRYPTION_KEYS: _omit, ...env } = baseEnv;
    const api = run('src/api/server.ts', env);
    expect(await api.exited).toBe(1);
    expect(api.output().trim()).toBe('Invalid configuration: ENCRYPTION_KEYS: is required');
  });
});

describe('gateway simulator process', () => {
  const token = () => randomBytes(18).toString('base64url');
  // Generated secrets are base64url: any of them may begin with `-`, and any value may hold `=`.
  it.each([
    ['-', `-${token()}`, `--webhook-secret=${token()}=`],
    ['--', `--master-key=${token()}`, `-${token()}==`],
  ])(
    'takes keys beginning with %s or holding = from the environment, and uses them',
    async (_, key, secret) => {
      const hooks: { secret: unknown; event: unknown }[] = [];
      const receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          const parsed = JSON.parse(body) as { event?: unknown };
          hooks.push({ secret: req.headers['x-webhook-secret'], event: parsed.event });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/gateway`;
      const port = await freePort();
      const sim = run('src/simulator/main.ts', { GATEWAY_MASTER_KEY: key, GATEWAY_WEBHOOK_SECRET: secret }, [
        `--port=${port}`,
        `--webhook-url=${hookUrl}`,
        '--qr-delay-ms=50',
      ]);
      try {
        await until(() => sim.output().includes('gateway simulator listening'), 'the simulator to listen');
        const create = (masterKey: string) =>
          fetch(`http://127.0.0.1:${port}/api/v1/sessions`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-Master-Key': masterKey },
            body: JSON.stringify({ sessionId: 'keys' }),
          });
        expect((await create(`${key}x`)).status).toBe(403);
        expect((await create(key)).status).toBe(201);
        // The QR event reaches our webhook with the secret exactly as given.
        await until(() => hooks.length > 0, 'a webhook from the simulator');
        expect(hooks[0]).toEqual({ secret, event: 'session.update' });
      } finally {
        sim.child.kill('SIGTERM');
        receiver.close();
      }
      expect(await sim.exited).toBe(0);
    },
  );

  it('refuses to start without a master key, naming the variable', async () => {
    const sim = run('src/simulator/main.ts', {}, ['--port=0']);
    expect(await sim.exited).toBe(1);
    expect(sim.output().trim()).toBe(
      'gateway simulator failed: Invalid configuration: GATEWAY_MASTER_KEY: is required',
    );
  });
});
