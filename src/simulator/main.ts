import { parseArgs } from 'node:util';
import { createGatewaySimulator } from './gateway-simulator';

/**
 * `tsx src/simulator/main.ts --port 3100 --master-key K [--api-key K] [--webhook-url U]
 *  [--webhook-secret S] [--qr-delay-ms 300] [--qr-rotate-ms 20000] [--list-auth token|legacy]`
 * Options come from argv, not the environment: the stack script starts it beside the API.
 */
function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3100' },
      host: { type: 'string', default: '127.0.0.1' },
      'master-key': { type: 'string' },
      'api-key': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'qr-delay-ms': { type: 'string' },
      'qr-rotate-ms': { type: 'string' },
      'list-auth': { type: 'string', default: 'token' },
    },
    strict: true,
  });
  const masterKey = values['master-key'];
  if (!masterKey) throw new Error('--master-key is required');
  const listAuth = values['list-auth'];
  if (listAuth !== 'token' && listAuth !== 'legacy') throw new Error('--list-auth must be token or legacy');

  const sim = createGatewaySimulator({
    masterKey,
    apiKey: values['api-key'],
    webhookUrl: values['webhook-url'],
    webhookSecret: values['webhook-secret'],
    qrDelayMs: int(values['qr-delay-ms'], 300, 'qr-delay-ms'),
    qrRotateMs: int(values['qr-rotate-ms'], 20_000, 'qr-rotate-ms'),
    listAuth,
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
