import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * A message worker in a process of its own (test/fixtures/message-worker.child.ts), for tests that
 * SIGKILL it or need a second worker: resolves once it polls.
 */
export function startChildWorker(env: Record<string, string>): Promise<ChildProcess> {
  // node itself with the tsx loader (the tsx CLI would fork a grandchild that SIGKILL does not reach).
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '../fixtures/message-worker.child.ts')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`child worker exited with ${code}`)));
  });
}
