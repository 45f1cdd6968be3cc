import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { captureLogger } from '../helpers/logger';
import { waitFor } from '../helpers/sessions';
import { useSessions } from '../fixtures/sessions';

const ROOT = path.resolve(__dirname, '../..');

/** Starts the child worker and resolves once it polls. */
function startChildWorker(taskQueue: string, gatewayUrl: string, mongoUri: string): Promise<ChildProcess> {
  // One process (node with tsx's loader), so SIGKILL hits the worker itself and not a wrapper.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures/session-worker.ts'), taskQueue, gatewayUrl, mongoUri],
    {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`child worker exited early (${code})`)));
  });
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe('session workflow survives a SIGKILLed worker', () => {
  const log = captureLogger();
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) await killed(c);
  });
  // Slow polls: the kill lands between activities, as most real crashes would. The workers are
  // child processes of the test's own.
  const stack = useSessions({
    queue: 'crash',
    tenants: ['tenant-c'],
    logger: log.logger,
    timing: { pollInitialMs: 2_000, pollMaxMs: 2_000 },
    worker: false,
  });

  it('resumes on a new worker process: connected, and no second gateway session created', async () => {
    const { taskQueue, db, temporal } = stack;
    const key = stack.key('tenant-c');
    const first = await startChildWorker(taskQueue, stack.simUrl, db.uri);
    children.push(first);
    await request(stack.app)
      .post('/v1/sessions')
      .set('Authorization', `Bearer ${key}`)
      .send({ sessionId: 'crash' })
      .expect(202);
    await waitFor(
      () => stack.query('tenant-c', 'crash'),
      (v) => v.status === 'generating_qr',
      30_000,
      'QR',
    );

    await killed(first);
    const gw = stack.gwName('tenant-c', 'crash');
    await request(stack.simUrl).post(`/simulator/sessions/${gw}/scan`).expect(200);

    const second = await startChildWorker(taskQueue, stack.simUrl, db.uri);
    children.push(second);
    const v = await waitFor(
      () => stack.query('tenant-c', 'crash'),
      (x) => x.status === 'connected',
      40_000,
      'connected on the new worker',
    );
    expect(v.attempt).toBe(1);
    expect(stack.sim.state.createsById.get(gw)).toBe(1);
    await temporal.client.workflow.getHandle('session:tenant-c:crash').executeUpdate('delete');
    expect(stack.sim.state.sessions.has(gw)).toBe(false);
  }, 90_000);
});
