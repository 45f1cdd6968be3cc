import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForPort } from './infra';
import type { Supervisor } from './supervisor';

/**
 * The official-platform simulators of `npm run stack` (src/simulator/official/): Meta's Cloud API,
 * 360dialog and Twilio, one process each, for every provider the environment configures no real
 * account or host for. The API and the worker are pointed at them (base URLs) and given the
 * credentials they share with them (app secret, partner key, Twilio account), generated once into
 * the data dir; their numbers, tokens, keys and senders are kept there across restarts.
 * `DW_OFFICIAL_SIMULATORS=false` starts none.
 */
export interface OfficialSimulatorsSetup {
  stack: Supervisor;
  /** The caller's environment (what decides) and the children's (what is filled in). */
  env: NodeJS.ProcessEnv;
  childEnv: NodeJS.ProcessEnv;
  dataDir: string;
  dist: string;
  apiPort: number;
  ports: { meta: number; dialog360: number; twilio: number };
}

interface Provider {
  name: 'meta' | '360dialog' | 'twilio';
  port: number;
  /** Any of these set in the environment: the real provider is meant, no simulator. */
  real: string[];
  secrets: string[];
  urls: string[];
  webhookUrl?: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function newSecrets(): Record<string, string> {
  return {
    META_APP_ID: String(100_000_000_000_000 + (randomBytes(6).readUIntBE(0, 6) % 900_000_000_000_000)),
    META_APP_SECRET: hex(16),
    META_WEBHOOK_VERIFY_TOKEN: randomBytes(18).toString('base64url'),
    // Public (the signup page sends it to FB.login): the simulator's dialog checks it.
    META_ES_CONFIG_ID: String(100_000_000_000_000 + (randomBytes(6).readUIntBE(0, 6) % 900_000_000_000_000)),
    DIALOG360_PARTNER_ID: `${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x')}PA`,
    DIALOG360_PARTNER_API_KEY: randomBytes(24).toString('base64url'),
    TWILIO_ACCOUNT_SID: `AC${hex(16)}`,
    TWILIO_AUTH_TOKEN: hex(16),
  };
}

/**
 * The simulators' shared secrets, generated once and kept in the git-ignored data dir; a file from
 * before a setting existed gets that one added (the others are kept).
 */
function secretsIn(dir: string): Record<string, string> {
  const file = path.join(dir, 'simulator-secrets.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const secrets = { ...newSecrets(), ...saved };
  if (Object.keys(secrets).length !== Object.keys(saved).length)
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export async function startOfficialSimulators(s: OfficialSimulatorsSetup): Promise<void> {
  const { stack, env, childEnv } = s;
  if (env.DW_OFFICIAL_SIMULATORS === 'false') return;
  const publicBase = (childEnv.PUBLIC_BASE_URL ?? `http://localhost:${s.apiPort}`).replace(/\/+$/, '');
  const providers: Provider[] = [
    {
      name: 'meta',
      port: s.ports.meta,
      real: ['META_APP_SECRET', 'META_GRAPH_BASE_URL'],
      secrets: ['META_APP_ID', 'META_APP_SECRET', 'META_WEBHOOK_VERIFY_TOKEN', 'META_ES_CONFIG_ID'],
      // META_ES_SIMULATOR_URL: the signup page uses this simulator's Embedded Signup SDK and dialog
      // (development only: set here and nowhere else; the API refuses it under NODE_ENV=production).
      urls: ['META_GRAPH_BASE_URL', 'META_ES_SIMULATOR_URL'],
      webhookUrl: `http://127.0.0.1:${s.apiPort}/webhooks/meta`,
    },
    {
      name: '360dialog',
      port: s.ports.dialog360,
      real: ['DIALOG360_PARTNER_API_KEY', 'DIALOG360_BASE_URL', 'DIALOG360_PARTNER_BASE_URL'],
      secrets: ['DIALOG360_PARTNER_ID', 'DIALOG360_PARTNER_API_KEY'],
      urls: ['DIALOG360_BASE_URL', 'DIALOG360_PARTNER_BASE_URL'],
    },
    {
      name: 'twilio',
      port: s.ports.twilio,
      real: ['TWILIO_AUTH_TOKEN', 'TWILIO_API_BASE_URL', 'TWILIO_MESSAGING_BASE_URL'],
      secrets: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'],
      urls: ['TWILIO_API_BASE_URL', 'TWILIO_MESSAGING_BASE_URL'],
      // Twilio signs the URL it calls: ours as PUBLIC_BASE_URL says (src/ingest/sources/twilio.source.ts).
      webhookUrl: `${publicBase}/webhooks/twilio`,
    },
  ];
  const entry = path.join(s.dist, 'src', 'simulator', 'official', 'main.js');
  if (!existsSync(entry)) return;
  const stateDir = path.join(s.dataDir, 'simulators');
  mkdirSync(stateDir, { recursive: true });
  const secrets = secretsIn(s.dataDir);
  const delays = env.DW_SIM_STATUS_DELAYS ? [`--status-delays=${env.DW_SIM_STATUS_DELAYS}`] : [];

  for (const p of providers) {
    const given = p.real.filter((k) => env[k]);
    if (given.length) {
      stack.log('stack', `${p.name}: the real provider (${given.join(', ')} set), no simulator`);
      continue;
    }
    const keys = Object.fromEntries(p.secrets.map((k) => [k, env[k] || (secrets[k] as string)]));
    const child = stack.start(
      p.name,
      process.execPath,
      [
        entry,
        p.name,
        `--port=${p.port}`,
        `--state-file=${path.join(stateDir, `${p.name}.json`)}`,
        ...(p.webhookUrl ? [`--webhook-url=${p.webhookUrl}`] : []),
        ...delays,
      ],
      { env: keys },
    );
    await waitForPort('127.0.0.1', p.port, 30_000, child);
    const url = `http://127.0.0.1:${p.port}`;
    Object.assign(childEnv, keys, Object.fromEntries(p.urls.map((k) => [k, url])));
    stack.log('stack', `${p.name} simulator on ${url} (control API ${url}/_sim)`);
  }
}
