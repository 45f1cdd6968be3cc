import { execFile } from 'node:child_process';
import path from 'node:path';
import { startNpmStack, until } from '../helpers/npm-stack';

const root = path.resolve(__dirname, '..', '..');

export { until };

/**
 * `npm run stack` as a newcomer runs it, with every simulator (test/helpers/npm-stack.ts, as
 * test/integration/stack.test.ts starts it), ready once `GET /readyz` answers 200. `stop()` is
 * Ctrl-C (SIGINT to the process group); `cleanup()` then kills whatever is left and removes the
 * data dir and the database.
 */
export async function startRunningStack(extraEnv: Record<string, string> = {}, readyMs = 180_000) {
  const base = await startNpmStack('newcomer', extraEnv, readyMs);
  const { ports, output, exited, npmPid } = base;
  let gone = false;
  void exited.then(() => (gone = true));
  const { api, mongo, meta, dialog360, twilio } = ports;
  const mongoUri = `mongodb://127.0.0.1:${mongo}/durable_whatsapp`;

  const stack = {
    ports,
    apiUrl: `http://127.0.0.1:${api}`,
    metaUrl: `http://127.0.0.1:${meta}`,
    dialog360Url: `http://127.0.0.1:${dialog360}`,
    twilioUrl: `http://127.0.0.1:${twilio}`,
    mongoUri,
    output,
    /**
     * `npm run apikey -- create <tenant>` against this stack's database: the key it prints once.
     * Asynchronous on purpose: a blocked event loop cannot see the API close an idle keep-alive
     * socket, and the next fetch on that socket then fails with "other side closed".
     */
    async createApiKey(tenant: string): Promise<string> {
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'npm',
          ['run', '--silent', 'apikey', '--', 'create', tenant],
          { cwd: root, env: { ...process.env, MONGODB_URI: mongoUri }, encoding: 'utf8', timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      const key = /api key \(shown once, store it now\): (\S+)/.exec(r.stdout)?.[1];
      if (r.status !== 0 || !key)
        throw new Error(`npm run apikey failed (${r.status}): ${r.stdout}${r.stderr}`);
      return key;
    },
    /** Ctrl-C: SIGINT to the process group; resolves with how npm exited (null after `timeoutMs`). */
    async stop(timeoutMs = 90_000) {
      if (!gone) {
        try {
          process.kill(-npmPid, 'SIGINT');
        } catch {
          // already gone
        }
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
      const how = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      return how;
    },
    cleanup: base.cleanup,
  };
  try {
    await until(
      async () => (await fetch(`${stack.apiUrl}/readyz`).catch(() => null))?.status === 200,
      'GET /readyz 200',
      60_000,
    );
  } catch (err) {
    await stack.stop(30_000);
    stack.cleanup();
    throw err;
  }
  return stack;
}

export type RunningStack = Awaited<ReturnType<typeof startRunningStack>>;
