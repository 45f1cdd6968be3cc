import { readFileSync } from 'node:fs';
import readline from 'node:readline';

/**
 * The stack's orphan reaper (`npm run stack`, scripts/lib/supervisor.ts). The supervisor starts it
 * first, in a process group of its own, and keeps the write end of its stdin. Lines on stdin:
 *   start <pid> <graceMs> <name>   a child was started (its own process group, led by pid)
 *   exit <pid>                     that child has exited
 *   done                           the supervisor stopped every child itself
 * When stdin ends without `done`, the supervisor died without stopping its children (SIGKILL, a
 * crash, the OOM killer): the kernel closed the pipe. The reaper then stops the children it knows,
 * newest first as the supervisor would — SIGTERM to the child's process group, SIGKILL after its
 * grace — and exits. This works for every child alike, Go binaries included, on any POSIX system;
 * Linux's PR_SET_PDEATHSIG is not reachable from Node.
 */

interface Child {
  pid: number;
  graceMs: number;
  name: string;
}

const children = new Map<number, Child>();
let done = false;

// Whoever read our output may be gone with the supervisor: never let a write error stop the reaping.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const say = (line: string) => process.stderr.write(`[reaper  ] ${line}\n`);

/** True while the process exists and is not a zombie waiting for init to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) answered
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

async function reap(): Promise<void> {
  for (const child of [...children.values()].reverse()) {
    if (!alive(child.pid)) continue;
    say(`the supervisor is gone: stopping ${child.name} (pid ${child.pid})`);
    signalGroup(child.pid, 'SIGTERM');
    if (await gone(child.pid, child.graceMs)) continue;
    say(`${child.name} (pid ${child.pid}) did not stop within ${child.graceMs} ms: SIGKILL`);
    signalGroup(child.pid, 'SIGKILL');
    await gone(child.pid, 5_000);
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, pid, graceMs, ...name] = line.split(' ');
  if (verb === 'start') {
    children.set(Number(pid), { pid: Number(pid), graceMs: Number(graceMs), name: name.join(' ') });
  } else if (verb === 'exit') {
    children.delete(Number(pid));
  } else if (verb === 'done') {
    done = true;
  }
});
process.stdin.on('end', () => {
  if (done) process.exit(0);
  void reap().then(() => process.exit(0));
});
