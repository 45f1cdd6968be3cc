import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The repository's root and its tsx: what the real entry points (composition roots) run with. */
export const ROOT = path.join(__dirname, '../..');
const tsx = path.join(ROOT, 'node_modules/.bin/tsx');

export interface Running {
  child: ChildProcess;
  /** Everything it wrote, stdout and stderr. */
  output: () => string;
  exited: Promise<number | null>;
}

/** A real entry point (`workers/main.ts`, `src/api/server.ts`, …) as a child process, with only `env` (and PATH, HOME). */
export function runEntryPoint(entry: string, env: Record<string, string>, args: string[] = []): Running {
  const child = spawn(tsx, [path.join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Polls `cond` every 100 ms until it holds, or throws naming `what` after `timeoutMs`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 45_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
