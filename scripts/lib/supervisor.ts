import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/**
 * The process tree of `npm run stack`: children started in order, logs prefixed per child, stopped
 * in reverse order. Each child leads a process group of its own, so Ctrl-C (SIGINT to the
 * terminal's foreground group) reaches only npm and this supervisor, which then stops them one by
 * one. The supervisor stops everything and exits 0 on SIGINT, SIGTERM or SIGHUP, and when the
 * process that started it goes away (an npm that does not forward signals, or one SIGKILLed). A
 * child that dies on its own, or a start that fails, stops the stack with exit code 1. If the
 * supervisor itself is SIGKILLed, the reaper (scripts/lib/reaper.ts) stops the children.
 */
export interface Supervisor {
  start(name: string, cmd: string, args: string[], opts?: StartOptions): ChildProcess;
  log(name: string, line: string, color?: string): void;
  /** Stops every child, newest first, then exits the process with `code`. Later calls do nothing. */
  shutdown(code: number): Promise<void>;
  isStopping(): boolean;
}

export interface StartOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Time from SIGTERM to SIGKILL. */
  graceMs?: number;
}

const colors = ['36', '35', '33', '32', '34', '31'];

export function createSupervisor(cwd: string): Supervisor {
  const children: { name: string; child: ChildProcess; graceMs: number }[] = [];
  let stopping = false;

  // A closed terminal or output pipe must not stop the supervisor halfway through stopping its children.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const log = (name: string, line: string, color = '1') => {
    process.stdout.write(`\x1b[${color}m[${name.padEnd(8)}]\x1b[0m ${line}\n`);
  };

  // The reaper runs the way this module does (compiled by `npm run build`, or under tsx).
  const reaperFile = path.join(__dirname, `reaper${path.extname(__filename)}`);
  const reaper = spawn(process.execPath, [...process.execArgv, reaperFile], {
    cwd,
    stdio: ['pipe', 'inherit', 'inherit'],
    detached: true,
  });
  reaper.stdin?.on('error', () => undefined);
  const tell = (line: string) => reaper.stdin?.write(`${line}\n`);
  log('stack', `supervisor started (pid ${process.pid})`);
  log('stack', `reaper started (pid ${reaper.pid})`);
  reaper.on('exit', () => {
    if (stopping) return;
    log('stack', 'the reaper exited unexpectedly; stopping the stack', '31');
    void shutdown(1);
  });

  function start(name: string, cmd: string, args: string[], opts: StartOptions = {}): ChildProcess {
    if (stopping) throw new Error(`not starting ${name}: the stack is stopping`);
    const color = colors[children.length % colors.length] as string;
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const graceMs = opts.graceMs ?? 10_000;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', (l) => log(name, l, color));
    }
    if (child.pid !== undefined) {
      tell(`start ${child.pid} ${graceMs} ${name}`);
      log('stack', `${name} started (pid ${child.pid})`);
    }
    child.on('exit', (code, signal) => {
      if (child.pid !== undefined) tell(`exit ${child.pid}`);
      if (stopping) return;
      log('stack', `${name} exited unexpectedly (code ${code}, signal ${signal}); stopping the stack`, '31');
      void shutdown(1);
    });
    child.on('error', (err) => {
      if (stopping) return;
      log('stack', `${name} could not start: ${err.message}`, '31');
      void shutdown(1);
    });
    children.push({ name, child, graceMs });
    return child;
  }

  async function shutdown(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    log('stack', 'stopping…');
    for (const { name, child, graceMs } of [...children].reverse()) {
      await stopGroup(child, graceMs);
      log('stack', `${name} stopped`);
    }
    if (reaper.exitCode === null && reaper.signalCode === null) {
      const exited = new Promise((resolve) => reaper.once('exit', resolve));
      reaper.stdin?.end('done\n');
      await exited;
    }
    process.exit(code);
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!stopping) log('stack', `${signal} received`);
      void shutdown(0);
    });
  }
  // Reparented: whoever started us is gone and will not send the signal that stops us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid === parent || stopping) return;
    log('stack', `the parent process (pid ${parent}) is gone`);
    void shutdown(0);
  }, 500).unref();
  // Last resort if this process exits any other way (an exception): no child outlives it.
  process.on('exit', () => {
    for (const { child } of children) if (child.exitCode === null) killGroup(child, 'SIGKILL');
  });

  return { start, log, shutdown, isStopping: () => stopping };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the child's process group, SIGKILL after the grace; resolves when the child has exited. */
function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    killGroup(child, 'SIGTERM');
  });
}
