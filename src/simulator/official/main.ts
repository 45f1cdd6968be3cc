import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadOfficialSimulatorKeys } from '../../config/env';
import { createDialog360Simulator } from './dialog360/dialog360.simulator';
import { createMetaSimulator } from './meta/meta.simulator';
import type { OfficialSimulator, StatusTiming } from './sim-app';
import { createTwilioSimulator } from './twilio/twilio.simulator';

/**
 * `node dist/src/simulator/official/main.js <meta|360dialog|twilio> --port P --webhook-url U
 *  [--host 127.0.0.1] [--state-file F] [--status-delays sent,delivered,read]`
 * One official-platform simulator as a process of the local stack (scripts/stack.ts starts them).
 * Its secrets come from the environment under the API's names (META_APP_ID, META_APP_SECRET,
 * META_WEBHOOK_VERIFY_TOKEN; DIALOG360_PARTNER_ID, DIALOG360_PARTNER_API_KEY; TWILIO_ACCOUNT_SID,
 * TWILIO_AUTH_TOKEN), never argv. `--webhook-url` is where Meta's webhooks go, and Twilio's inbound
 * messages of senders without a webhook of their own (360dialog's go where its onboarding
 * configured them). `--state-file` keeps numbers, tokens, keys and senders across restarts.
 */
function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`Invalid configuration: ${name}: is required`);
  return value;
}

function timing(raw: string | undefined): Partial<StatusTiming> | undefined {
  if (raw === undefined) return undefined;
  const [sent, delivered, read] = raw.split(',').map(Number);
  if ([sent, delivered, read].some((n) => n === undefined || !Number.isInteger(n) || n < 0))
    throw new Error('--status-delays must be three non-negative integers: sent,delivered,read (ms)');
  return { sent, delivered, read };
}

function build(kind: string, webhookUrl: string | undefined, delays: Partial<StatusTiming> | undefined) {
  const keys = loadOfficialSimulatorKeys();
  switch (kind) {
    case 'meta':
      return createMetaSimulator({
        appId: need(keys.META_APP_ID, 'META_APP_ID'),
        appSecret: need(keys.META_APP_SECRET, 'META_APP_SECRET'),
        verifyToken: keys.META_WEBHOOK_VERIFY_TOKEN,
        configId: keys.META_ES_CONFIG_ID,
        webhookUrl: need(webhookUrl, '--webhook-url'),
        timing: delays,
      });
    case '360dialog':
      return createDialog360Simulator({
        partnerId: need(keys.DIALOG360_PARTNER_ID, 'DIALOG360_PARTNER_ID'),
        partnerApiKey: need(keys.DIALOG360_PARTNER_API_KEY, 'DIALOG360_PARTNER_API_KEY'),
        timing: delays,
      });
    case 'twilio':
      return createTwilioSimulator({
        accountSid: need(keys.TWILIO_ACCOUNT_SID, 'TWILIO_ACCOUNT_SID'),
        authToken: need(keys.TWILIO_AUTH_TOKEN, 'TWILIO_AUTH_TOKEN'),
        inboundUrl: need(webhookUrl, '--webhook-url'),
        timing: delays,
      });
    default:
      throw new Error('the first argument must be meta, 360dialog or twilio');
  }
}

/** Saves the state after requests, at most every 200 ms, by write-then-rename (never half a file). */
function persist(sim: OfficialSimulator, file: string): () => void {
  if (existsSync(file)) sim.importState(JSON.parse(readFileSync(file, 'utf8')));
  let last = '';
  const save = () => {
    const json = JSON.stringify(sim.exportState());
    if (json === last) return;
    writeFileSync(`${file}.tmp`, json, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    last = json;
  };
  let timer: NodeJS.Timeout | null = null;
  sim.onRequestDone(() => {
    timer ??= setTimeout(() => {
      timer = null;
      save();
    }, 200);
  });
  return save;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'webhook-url': { type: 'string' },
      'state-file': { type: 'string' },
      'status-delays': { type: 'string' },
    },
    strict: true,
  });
  const kind = positionals[0] ?? '';
  const sim = build(kind, values['webhook-url'], timing(values['status-delays']));
  const save = values['state-file'] ? persist(sim, values['state-file']) : () => undefined;
  // One line per webhook attempt: what a newcomer watching `npm run stack` wants to see happen.
  sim.deliveries.onAttempt = (d) =>
    process.stdout.write(
      `webhook ${d.label} ${d.id} → ${d.httpStatus ?? d.error ?? 'no answer'}${d.attempts > 1 ? ` (attempt ${d.attempts})` : ''}\n`,
    );
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a TCP port');
  const { url } = await sim.listen(port, values.host);
  process.stdout.write(`${kind} simulator listening on ${url} (control API: ${url}/_sim)\n`);

  const stop = () =>
    void sim
      .close()
      .then(save)
      .then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`official simulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
