import { parseArgs } from 'node:util';
import { loadGatewaySimulatorKeys } from '../config/env';
import { createGatewaySimulator } from './gateway-simulator';

/**
 * `GATEWAY_MASTER_KEY=K [GATEWAY_API_KEY=K] [GATEWAY_WEBHOOK_SECRET=S] tsx src/simulator/main.ts
 *  [--port 3100] [--host 127.0.0.1] [--webhook-url U] [--qr-delay-ms 300] [--qr-rotate-ms 20000]
 *  [--list-auth token|legacy] [--ack-delay-ms 500]`
 * `--ack-delay-ms`: WAHA and Evolution sends are acknowledged (sent → delivered → read) one step
 * this often; `off` only on request (`POST /simulator/sessions/:id/acks`).
 * The keys come from the environment, under the names the API and the worker read: a key on the
 * command line was read as an option when it began with `-` (issue 12) and is visible in `ps`.
 * Everything else comes from argv.
 */
function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

async function main(): Promise<void> {
  const keys = loadGatewaySimulatorKeys();
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3100' },
      host: { type: 'string', default: '127.0.0.1' },
      'webhook-url': { type: 'string' },
      'qr-delay-ms': { type: 'string' },
      'qr-rotate-ms': { type: 'string' },
      'list-auth': { type: 'string', default: 'token' },
      'ack-delay-ms': { type: 'string' },
    },
    strict: true,
  });
  const listAuth = values['list-auth'];
  if (listAuth !== 'token' && listAuth !== 'legacy') throw new Error('--list-auth must be token or legacy');

  const sim = createGatewaySimulator({
    masterKey: keys.GATEWAY_MASTER_KEY,
    apiKey: keys.GATEWAY_API_KEY,
    webhookUrl: values['webhook-url'],
    webhookSecret: keys.GATEWAY_WEBHOOK_SECRET,
    qrDelayMs: int(values['qr-delay-ms'], 300, 'qr-delay-ms'),
    qrRotateMs: int(values['qr-rotate-ms'], 20_000, 'qr-rotate-ms'),
    listAuth,
    ackDelayMs: values['ack-delay-ms'] === 'off' ? null : int(values['ack-delay-ms'], 500, 'ack-delay-ms'),
  });
  const { url } = await sim.listen(int(values.port, 3100, 'port'), values.host);
  process.stdout.write(`gateway simulator listening on ${url}\n`);

  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway simulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
