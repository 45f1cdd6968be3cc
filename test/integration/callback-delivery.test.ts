import { execFileSync } from 'node:child_process';
import type { LookupAddress } from 'node:dns';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  CallbackFailureTypes,
  createCallbackActivities,
  sendCallback,
  type StatusCallbackEvent,
} from '../../activities/callbacks.activities';
import { workflowIds } from '../../src/temporal/workflow-ids';
import type { inboundMessageWorkflow } from '../../workflows/inbound.workflow';
import { LOCAL_CALLBACK_DELIVERY } from '../helpers/messaging';
import type { CallbackTargetPolicy, HostResolver } from '../../src/callbacks/callback-target';
import { startCallbackEndpoint, type CallbackEndpoint } from '../fakes/callback-endpoint.fake';
import { useStack } from '../fixtures/stack';

const LOCAL: CallbackTargetPolicy = { allowHttp: true, allowPrivateNetworks: true };
const SECRET = 'whsec_test';
const payload: StatusCallbackEvent = {
  event: 'message.status',
  messageId: 'msg_1',
  status: 'sent',
  providerMessageId: null,
  at: '2026-12-03T10:00:00.000Z',
  error: null,
  metadata: null,
};

/** A resolver whose answers the test changes, as a DNS server under an attacker's control would. */
function switchableResolver(answers: Record<string, string>): HostResolver {
  return async (hostname) => {
    const address = answers[hostname];
    if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 } satisfies LookupAddress];
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('callback delivery: pinned, bounded, never redirected (issue 15)', () => {
  const endpoints: CallbackEndpoint[] = [];
  const endpoint = async (handler: Parameters<typeof startCallbackEndpoint>[0]) => {
    const e = await startCallbackEndpoint(handler);
    endpoints.push(e);
    return e;
  };
  afterAll(async () => {
    await Promise.all(endpoints.map((e) => e.close()));
  });
  const deps = (resolve: HostResolver, policy = LOCAL) => ({ policy, resolve, maxResponseBytes: 65_536 });

  it('connects to the address it checked, with the URL host name in Host, and delivers on 2xx', async () => {
    const ep = await endpoint((_req, res) => res.writeHead(204).end());
    const resolve = switchableResolver({ 'receiver.test': '127.0.0.1' });
    const url = `http://receiver.test:${ep.port}/cb`;
    await expect(
      sendCallback(deps(resolve), { url, secret: SECRET }, payload, AbortSignal.timeout(5_000)),
    ).resolves.toBe('delivered');
    expect(ep.received).toEqual([{ host: `receiver.test:${ep.port}`, body: JSON.stringify(payload) }]);
  });

  it('https: TLS to the pinned address names the URL host (SNI) and checks the certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-cb-tls-'));
    // A self-signed certificate for hooks.test, which no system CA trusts.
    // prettier-ignore
    const args = [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-subj', '/CN=hooks.test', '-addext', 'subjectAltName=DNS:hooks.test',
    ];
    execFileSync('openssl', args, { stdio: 'pipe' });
    const names: string[] = [];
    const server = https.createServer(
      {
        key: readFileSync(path.join(dir, 'key.pem')),
        cert: readFileSync(path.join(dir, 'cert.pem')),
        SNICallback: (servername, cb) => {
          names.push(servername);
          cb(null);
        },
      },
      (_req, res) => res.writeHead(200).end(),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const failure = await failureOf(
        sendCallback(
          deps(switchableResolver({ 'hooks.test': '127.0.0.1' })),
          { url: `https://hooks.test:${port}/cb`, secret: SECRET },
          payload,
          AbortSignal.timeout(5_000),
        ),
      );
      // The connection reached the pinned address and asked for hooks.test; the self-signed
      // certificate is refused (verification is never turned off), so nothing was delivered.
      expect(names).toEqual(['hooks.test']);
      expect(failure.type).toBe(CallbackFailureTypes.unreachable);
      expect(failure.message).toMatch(/self[- ]signed/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses when the DNS answer changed to a private address since registration, without connecting', async () => {
    const ep = await endpoint((_req, res) => res.writeHead(200).end());
    const answers = { 'hooks.example.test': '93.184.216.34' };
    const resolve = switchableResolver(answers);
    // Registered while it resolved to a public address; now the attacker's DNS answers loopback.
    answers['hooks.example.test'] = '127.0.0.1';
    const strictButHttp: CallbackTargetPolicy = { allowHttp: true, allowPrivateNetworks: false };
    const failure = await failureOf(
      sendCallback(
        deps(resolve, strictButHttp),
        { url: `http://hooks.example.test:${ep.port}/cb`, secret: SECRET },
        payload,
        AbortSignal.timeout(5_000),
      ),
    );
    expect(failure.type).toBe(CallbackFailureTypes.refused);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/resolves to 127\.0\.0\.1, a loopback address/);
    expect(ep.received).toHaveLength(0);
  });

  it('never follows a redirect: a 302 to a private address fails for good and the private address gets nothing', async () => {
    const internal = await endpoint((_req, res) => res.writeHead(200).end());
    const redirector = await endpoint((_req, res) =>
      res
        .writeHead(302, { location: `http://10.0.0.1/admin?then=${encodeURIComponent(internal.url)}` })
        .end(),
    );
    const failure = await failureOf(
      sendCallback(
        deps(switchableResolver({})),
        { url: redirector.url, secret: SECRET },
        payload,
        AbortSignal.timeout(5_000),
      ),
    );
    expect(failure.type).toBe(CallbackFailureTypes.redirected);
    expect(failure.nonRetryable).toBe(true);
    expect(redirector.received).toHaveLength(1);
    expect(internal.received).toHaveLength(0);
  });

  it('an endless answer is not read past the cap: delivered on its 200 at once, not at the wall clock', async () => {
    const chunk = Buffer.alloc(64 * 1024, 120);
    const ep = await endpoint((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed) if (!res.write(chunk)) return void res.once('drain', pump);
      };
      pump();
    });
    const started = Date.now();
    await expect(
      sendCallback(
        deps(switchableResolver({})),
        { url: ep.url, secret: SECRET },
        payload,
        AbortSignal.timeout(5_000),
      ),
    ).resolves.toBe('delivered');
    // The size cap ended it, long before the 5 s wall clock would have.
    expect(Date.now() - started).toBeLessThan(2_000);
    await until(() => ep.open() === 0, 'the endpoint to see its connection closed');
  });

  it('a drip-fed body ends at the wall clock: the 200 already said delivered', async () => {
    const ep = await endpoint((_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write('.')), 100);
      res.on('close', () => clearInterval(drip));
    });
    const started = Date.now();
    await expect(
      sendCallback(
        deps(switchableResolver({})),
        { url: ep.url, secret: SECRET },
        payload,
        AbortSignal.timeout(1_000),
      ),
    ).resolves.toBe('delivered');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2_500);
    // …and the connection is closed: nothing keeps dripping into the worker.
    await until(() => ep.open() === 0, 'the endpoint to see its connection closed');
  });

  it('no headers within the wall clock: unreachable (retried), the socket closed', async () => {
    const ep = await endpoint(() => undefined); // reads the request, never answers
    const started = Date.now();
    const failure = await failureOf(
      sendCallback(
        deps(switchableResolver({})),
        { url: ep.url, secret: SECRET },
        payload,
        AbortSignal.timeout(1_000),
      ),
    );
    expect(failure.type).toBe(CallbackFailureTypes.unreachable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/did not answer/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("the activity's cancellation ends the request at once", async () => {
    const ep = await endpoint(() => undefined);
    const cancel = new AbortController();
    const started = Date.now();
    const pending = failureOf(
      sendCallback(
        deps(switchableResolver({})),
        { url: ep.url, secret: SECRET },
        payload,
        AbortSignal.any([AbortSignal.timeout(30_000), cancel.signal]),
      ),
    );
    await until(() => ep.received.length > 0, 'the request to reach the endpoint');
    cancel.abort(new Error('activity cancelled'));
    const failure = await pending;
    expect(failure.type).toBe(CallbackFailureTypes.unreachable);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a DNS lookup that never answers ends at the wall clock too: unreachable (retried)', async () => {
    const silentDns: HostResolver = () => new Promise(() => undefined);
    const started = Date.now();
    const failure = await failureOf(
      sendCallback(
        deps(silentDns),
        { url: 'https://slow-dns.test/cb', secret: SECRET },
        payload,
        AbortSignal.timeout(500),
      ),
    );
    expect(failure.type).toBe(CallbackFailureTypes.unreachable);
    expect(failure.message).toMatch(/unresolvable_host.*ETIMEOUT/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a non-2xx is rejected and retried', async () => {
    const ep = await endpoint((_req, res) => res.writeHead(503).end('busy'));
    const failure = await failureOf(
      sendCallback(
        deps(switchableResolver({})),
        { url: ep.url, secret: SECRET },
        payload,
        AbortSignal.timeout(5_000),
      ),
    );
    expect(failure.type).toBe(CallbackFailureTypes.rejected);
    expect(failure.nonRetryable).toBe(false);
  });
});

describe('callbacks capped per tenant in the worker (issue 15, real Temporal and FerretDB)', () => {
  let slow: CallbackEndpoint;
  let fast: CallbackEndpoint;
  const started: string[] = [];
  afterAll(async () => {
    await Promise.all(
      started.map((id) =>
        stack.temporal.client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
  });
  const stack = useStack({ queue: 'cbcap', worker: false });

  beforeAll(async () => {
    slow = await startCallbackEndpoint(() => undefined); // holds every request open
    fast = await startCallbackEndpoint((_req, res) => res.writeHead(200).end());
    const { deps } = stack;
    await deps.callbacks.set('tenant-slow', slow.url);
    await deps.callbacks.set('tenant-fast', fast.url);
    await stack.runWorker({
      ...deps.activities,
      ...createCallbackActivities({
        callbacks: {
          repo: deps.callbacks,
          ...LOCAL_CALLBACK_DELIVERY,
          timeoutMs: 3_000,
          maxConcurrentPerTenant: 2,
        },
      }),
    });
  });
  // Once the worker is down (declared after the stack).
  afterAll(() => Promise.all([slow.close(), fast.close()]));

  const inbound = async (tenantId: string, n: number) => {
    const providerMessageId = `wamid.${tenantId}.${n}`;
    const workflowId = workflowIds.inbound(tenantId, 'meta', providerMessageId);
    started.push(workflowId);
    await stack.temporal.client.workflow.start<typeof inboundMessageWorkflow>('inboundMessageWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          tenantId,
          senderId: 'meta-main',
          notify: true,
          callbackMaxAttempts: 3,
          callbackRetryInitialMs: 50,
          message: {
            provider: 'meta',
            providerMessageId,
            recipientAccountId: '4000',
            from: '4915112345678',
            fromName: null,
            at: new Date().toISOString(),
            type: 'text',
            text: `hello ${n}`,
            content: { body: `hello ${n}` },
          },
        },
      ],
    });
  };

  it("a tenant whose endpoint hangs holds at most its cap of requests; another tenant's callbacks go through meanwhile", async () => {
    for (let i = 0; i < 6; i++) await inbound('tenant-slow', i);
    await until(() => slow.open() === 2, "the slow tenant's first two callbacks to be in flight", 15_000);
    await inbound('tenant-fast', 1);
    await until(() => fast.received.length === 1, "the other tenant's callback", 15_000);
    // Two in flight at the slow endpoint while six wait for it: the cap held.
    expect(slow.open()).toBeLessThanOrEqual(2);
    expect(slow.maxOpen()).toBe(2);
  });
});
