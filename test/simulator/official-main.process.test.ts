import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/lib/infra';
import { until } from '../fakes/webhook-receiver.fake';

/** `src/simulator/official/main.ts` as `npm run stack` runs it: keys from the environment, state kept in a file. */
const root = path.join(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

function run(env: Record<string, string>, args: string[]) {
  const child = spawn(tsx, [path.join(root, 'src/simulator/official/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

const KEYS = { META_APP_ID: '1234567890', META_APP_SECRET: 'process-test-secret' };

it('refuses to start without its keys, naming the variable', async () => {
  const sim = run({ META_APP_ID: '1234567890' }, ['meta', '--port=0', '--webhook-url=http://127.0.0.1:9/x']);
  expect(await sim.exited).toBe(1);
  expect(sim.output().trim()).toBe(
    'official simulator failed: Invalid configuration: META_APP_SECRET: is required',
  );
});

it('keeps its numbers and tokens in the state file across a restart, and exits 0 on SIGTERM', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-sim-'));
  const port = await freePort();
  const args = [
    'meta',
    `--port=${port}`,
    '--webhook-url=http://127.0.0.1:9/x',
    `--state-file=${path.join(dir, 'meta.json')}`,
  ];
  const start = async () => {
    const sim = run(KEYS, args);
    await until(sim.output, (o) => o.includes('meta simulator listening'), 'the simulator to listen');
    return sim;
  };
  try {
    const first = await start();
    const n = (await (await fetch(`http://127.0.0.1:${port}/_sim/numbers`, { method: 'POST' })).json()) as {
      phoneNumberId: string;
      accessToken: string;
    };
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await start();
    const res = await fetch(`http://127.0.0.1:${port}/v23.0/${n.phoneNumberId}`, {
      headers: { authorization: `Bearer ${n.accessToken}` },
    });
    expect(await res.json()).toMatchObject({ id: n.phoneNumberId });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
