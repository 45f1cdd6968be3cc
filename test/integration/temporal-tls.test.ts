import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { freePort } from '../../scripts/lib/infra';
import { loadConfig } from '../../src/config/env';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { temporalConnectionOptions } from '../../src/temporal/connection-options';
import { testEnv } from '../helpers/env';
import { TEST_TEMPORAL_PROTECTION_ENV, uniqueTaskQueue } from '../helpers/temporal';
import { useInfra } from '../fixtures/infra';
import { runEntryPoint, until } from '../helpers/processes';

/**
 * Temporal over TLS and mTLS (issue 15). `temporal server start-dev` (CLI v1.5.1) has no TLS flags,
 * so the run's dev server is put behind a TLS terminator of the test's own (node's `tls`, ALPN h2,
 * client certificate required and checked against our CA) and the real worker and API processes
 * connect through it with TEMPORAL_TLS_* set: a diagnostics ping then runs API → Temporal →
 * worker → MongoDB over TLS. The terminator records each handshake's SNI and client certificate.
 * The API key is checked on a gRPC endpoint that records the request headers.
 */
const SERVER_NAME = 'temporal.test';

function certificates() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-tls-'));
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=dw-test-ca',
  );
  const issue = (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    );
  };
  issue('server', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  issue('client', 'dw-client', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
  };
}

interface Handshake {
  servername: string | false | null;
  clientCn: string | undefined;
  alpn: string | false | null;
}

/** TLS in front of the plain dev server: mTLS required; the decrypted HTTP/2 is piped through. */
function startTlsTerminator(certs: ReturnType<typeof certificates>, upstreamPort: number) {
  const handshakes: Handshake[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      key: readFileSync(certs.serverKey),
      cert: readFileSync(certs.serverCert),
      ca: readFileSync(certs.ca),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      handshakes.push({
        servername: socket.servername,
        clientCn: socket.getPeerCertificate().subject?.CN as string | undefined,
        alpn: socket.alpnProtocol,
      });
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      socket.pipe(upstream).pipe(socket);
    },
  );
  return new Promise<{ port: number; handshakes: Handshake[]; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        handshakes,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

const run = runEntryPoint;

describe('Temporal over TLS, mTLS and an API key', () => {
  const certs = certificates();
  const infra = useInfra({ queue: 'tls' });
  let terminator: Awaited<ReturnType<typeof startTlsTerminator>>;

  beforeAll(async () => {
    const temporalPort = Number(testEnv('TEST_TEMPORAL_ADDRESS').split(':').pop());
    terminator = await startTlsTerminator(certs, temporalPort);
  });
  // The TLS terminator in front of the run's Temporal.
  afterAll(() => terminator.close());

  it('the real worker and API connect with TLS_CA/CERT/KEY/SERVER_NAME, and a ping runs through them', async () => {
    const env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${terminator.port}`,
      TEMPORAL_TLS_CA_FILE: certs.ca,
      TEMPORAL_TLS_CERT_FILE: certs.clientCert,
      TEMPORAL_TLS_KEY_FILE: certs.clientKey,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('tls'),
      MONGODB_URI: infra.db.uri,
      ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      WORKFLOW_BUNDLE_PATH: testEnv('TEST_WORKFLOW_BUNDLE'),
      WORKER_METRICS_PORT: '0',
      ...TEST_TEMPORAL_PROTECTION_ENV,
    };
    const port = await freePort();
    const worker = run('workers/main.ts', env);
    const api = run('src/api/server.ts', { ...env, PORT: String(port), HOST: '127.0.0.1' });
    try {
      await until(() => worker.output().includes('worker running'), 'worker running');
      await until(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200,
        'api ready',
      );
      const { token } = await createApiKeyRepository(infra.db.conn).create('tls-tenant');
      const res = await fetch(`http://127.0.0.1:${port}/v1/diagnostics/ping`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ writes: 1 });
    } finally {
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
      await Promise.all([worker.exited, api.exited]);
    }
    // The API's client, the worker's client and its native (Rust) connection: each a verified mTLS
    // handshake for our server name, speaking HTTP/2.
    expect(terminator.handshakes.length).toBeGreaterThanOrEqual(3);
    for (const h of terminator.handshakes)
      expect(h).toEqual({ servername: SERVER_NAME, clientCn: 'dw-client', alpn: 'h2' });
  });

  it('refuses to start when a certificate file is missing, naming the variable', async () => {
    const api = run('src/api/server.ts', {
      ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      TEMPORAL_TLS_CERT_FILE: certs.clientCert,
      TEMPORAL_TLS_KEY_FILE: path.join(path.dirname(certs.clientKey), 'missing.key'),
    });
    expect(await api.exited).toBe(1);
    expect(api.output().trim()).toMatch(
      /^Invalid configuration: TEMPORAL_TLS_KEY_FILE: cannot read .*missing\.key \(ENOENT\)$/,
    );
  });

  it('TEMPORAL_API_KEY reaches both connections as `authorization: Bearer <key>`, over TLS', async () => {
    const seen: (string | undefined)[] = [];
    const server = http2.createSecureServer({
      key: readFileSync(certs.serverKey),
      cert: readFileSync(certs.serverCert),
    });
    server.on('stream', (stream, headers) => {
      seen.push(headers.authorization as string | undefined);
      // A trailers-only gRPC answer: the call is refused, after its headers were read.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'test' },
        { endStream: true },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const options = temporalConnectionOptions(
        loadConfig({
          ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
          TEMPORAL_ADDRESS: `127.0.0.1:${(server.address() as AddressInfo).port}`,
          TEMPORAL_TLS_CA_FILE: certs.ca,
          TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
          TEMPORAL_API_KEY: 'tmprl-cloud-key-0123',
        }),
      );
      const client = await Connection.connect({ ...options, connectTimeout: '3s' }).catch((e: Error) => e);
      if (!(client instanceof Error)) await client.close();
      expect(seen.length).toBeGreaterThan(0);
      const fromClient = seen.length;
      const native = await NativeConnection.connect(options).catch((e: Error) => e);
      if (!(native instanceof Error)) await native.close();
      expect(seen.length).toBeGreaterThan(fromClient);
      expect(new Set(seen)).toEqual(new Set(['Bearer tmprl-cloud-key-0123']));
    } finally {
      server.close();
    }
  });
});
