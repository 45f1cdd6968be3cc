import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { connectMongo } from '../../src/db/connection';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { startNpmStack, until, type NpmStack } from '../helpers/npm-stack';

/**
 * `npm run stack` as a user runs it (npm → exec bash scripts/stack.sh → exec node, the supervisor),
 * beside any stack a developer has running: a data dir, ports and PostgreSQL database of its own.
 * Stopped the ways it gets stopped — SIGTERM to npm (a process manager, a CI timeout), SIGINT to
 * the process group (Ctrl-C), SIGKILL to the supervisor — every child must be gone and every port
 * closed. Each run goes through the build step, as the command does (it builds when a source changed).
 */
const READY_MS = 240_000; // npm install when package.json changed, tools check, build, then eight processes
const STOP_MS = 90_000; // one grace after another: the worker's (35 s) is the longest

type Stack = NpmStack;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

/** The stack on ports, a data dir and a database of its own (test/helpers/npm-stack.ts). */
const startStack = (extraEnv: Record<string, string> = {}): Promise<Stack> =>
  startNpmStack('stack', extraEnv, READY_MS);

/** Every process of the stack is gone, every port closed, and the children stopped newest first. */
async function expectAllStopped(stack: Stack): Promise<void> {
  const pids = stack.pids();
  expect([...pids.keys()]).toEqual(
    expect.arrayContaining([
      'supervisor',
      'reaper',
      'temporal',
      'gateway',
      'meta',
      '360dialog',
      'twilio',
      'worker',
      'api',
    ]),
  );
  await until(() => [...pids.values()].every((pid) => !alive(pid)), 'every process to be gone', STOP_MS);
  for (const [name, port] of Object.entries(stack.ports)) {
    expect([name, await listening(port)]).toEqual([name, false]);
  }
}

function expectStoppedInReverseOrder(stack: Stack): void {
  const started = [...stack.pids().keys()].filter((n) => n !== 'supervisor' && n !== 'reaper');
  const stopped = [...stack.output().matchAll(/\[stack +\] (\S+) stopped$/gm)].map((m) => m[1]);
  expect(stopped).toEqual([...started].reverse());
}

describe('npm run stack', () => {
  let stack: Stack | undefined;
  afterEach(() => {
    stack?.cleanup();
    stack = undefined;
  });

  it(
    'starts with secrets that begin with - or -- and hold =, and SIGTERM to npm stops it all: exit 0',
    async () => {
      const masterKey = `-${randomBytes(12).toString('base64url')}`;
      stack = await startStack({
        GATEWAY_MASTER_KEY: masterKey,
        GATEWAY_WEBHOOK_SECRET: `--webhook-secret=${randomBytes(12).toString('base64url')}=`,
        ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
      });
      const api = `http://127.0.0.1:${stack.ports.api}`;
      await until(async () => (await fetch(`${api}/readyz`)).status === 200, 'readyz 200', 60_000);

      // The worker creates the session on the simulator with the master key both were given.
      const conn = await connectMongo(`mongodb://127.0.0.1:${stack.ports.mongo}/durable_whatsapp`, {
        maxPoolSize: 2,
      });
      const { token } = await createApiKeyRepository(conn).create('stack-test');
      await conn.close();
      const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
      // The admin page's workflow links open the dev server's Web UI (TEMPORAL_UI_URL from the stack).
      expect(await (await fetch(`${api}/v1/me`, { headers })).json()).toEqual({
        tenantId: 'stack-test',
        temporalUi: { url: `http://localhost:${stack.ports.ui}`, namespace: 'default' },
      });
      const created = await fetch(`${api}/v1/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ sessionId: 'main' }),
      });
      expect(created.status).toBe(202);
      await until(
        async () => {
          const s = (await (await fetch(`${api}/v1/sessions/main`, { headers })).json()) as {
            status?: string;
          };
          return s.status === 'generating_qr';
        },
        'the session to show a QR',
        30_000,
      );
      expect(stack.output()).not.toMatch(/Invalid master key|ambiguous/);

      process.kill(stack.npmPid, 'SIGTERM');
      expect(await stack.exited).toEqual({ code: 0, signal: null });
      await expectAllStopped(stack);
      expectStoppedInReverseOrder(stack);
    },
    READY_MS + 120_000,
  );

  it(
    'Ctrl-C (SIGINT to the process group) stops it all: exit 0',
    async () => {
      stack = await startStack();
      process.kill(-stack.npmPid, 'SIGINT');
      expect(await stack.exited).toEqual({ code: 0, signal: null });
      await expectAllStopped(stack);
      expectStoppedInReverseOrder(stack);
    },
    READY_MS + STOP_MS,
  );

  it(
    'a SIGKILLed supervisor leaves no child behind: the reaper stops them',
    async () => {
      stack = await startStack();
      process.kill(stack.pids().get('supervisor') as number, 'SIGKILL');
      await stack.exited; // npm follows its child
      await expectAllStopped(stack);
      expect(stack.output()).toContain('[reaper  ] the supervisor is gone: stopping api');
    },
    READY_MS + STOP_MS,
  );
});
