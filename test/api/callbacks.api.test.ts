import type { LookupAddress } from 'node:dns';
import request from 'supertest';
import {
  STRICT_CALLBACK_POLICY,
  systemResolver,
  type HostResolver,
} from '../../src/callbacks/callback-target';
import { callbackPolicyFrom } from '../../src/callbacks/callback-setup';
import { loadConfig } from '../../src/config/env';
import { useStack } from '../fixtures/stack';
import { LOCAL_CALLBACK_TARGETS, messagingFeature } from '../helpers/messaging';

/** A resolver with fixed answers for test names; anything else goes to the system resolver (localhost). */
function zoneResolver(zone: Record<string, string[]>): HostResolver {
  return async (hostname) => {
    const answers = zone[hostname];
    if (!answers) return systemResolver(hostname);
    return answers.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** The targets the product takes without the development settings (CALLBACK_ALLOW_HTTP, CALLBACK_ALLOW_PRIVATE_NETWORKS). */
const PRODUCT_TARGETS = {
  policy: callbackPolicyFrom(loadConfig({ ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` })),
  resolve: systemResolver,
};

describe('PUT /v1/callbacks: where a callback may point (issue 15)', () => {
  const stack = useStack({ queue: 'cbreg', tenants: ['tenant-cbreg'], worker: false });
  let auth: { Authorization: string };
  beforeAll(() => {
    auth = stack.auth('tenant-cbreg');
  });
  const zone = zoneResolver({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'rebind.example.com': ['93.184.216.34', '10.0.0.7'],
    'metadata.example.com': ['169.254.169.254'],
  });

  const appWith = (callbackTargets: typeof LOCAL_CALLBACK_TARGETS | undefined) =>
    stack.app({
      messaging: messagingFeature(stack.deps, { callbackTargets: callbackTargets ?? PRODUCT_TARGETS }),
    });

  it('by default refuses http, loopback, metadata, private, ULA and names that resolve to them — 400 naming the rule', async () => {
    const app = appWith({ policy: STRICT_CALLBACK_POLICY, resolve: zone });
    const refused: [string, string, RegExp][] = [
      ['http://hooks.example.com/cb', 'https_required', /https/],
      ['https://127.0.0.1/cb', 'forbidden_address', /loopback/],
      ['https://169.254.169.254/latest/meta-data', 'forbidden_address', /linkLocal/],
      ['https://10.1.2.3/cb', 'forbidden_address', /private/],
      ['https://172.16.0.1/cb', 'forbidden_address', /private/],
      ['https://192.168.0.10/cb', 'forbidden_address', /private/],
      ['https://100.64.0.1/cb', 'forbidden_address', /carrierGradeNat/],
      ['https://0.0.0.0/cb', 'forbidden_address', /unspecified/],
      ['https://0x7f000001/cb', 'forbidden_address', /loopback/],
      ['https://[::1]/cb', 'forbidden_address', /loopback/],
      ['https://[fd00::1]/cb', 'forbidden_address', /uniqueLocal/],
      ['https://[fe80::1]/cb', 'forbidden_address', /linkLocal/],
      ['https://[::ffff:127.0.0.1]/cb', 'forbidden_address', /loopback/],
      ['https://[::]/cb', 'forbidden_address', /unspecified/],
      ['https://localhost/cb', 'forbidden_address', /localhost resolves to .* loopback/],
      ['https://metadata.example.com/cb', 'forbidden_address', /169\.254\.169\.254, a linkLocal/],
      // One private answer among public ones is enough: the connection could go to any of them.
      ['https://rebind.example.com/cb', 'forbidden_address', /10\.0\.0\.7, a private/],
      ['https://no-such-host.invalid/cb', 'unresolvable_host', /does not resolve/],
    ];
    for (const [url, rule, message] of refused) {
      const res = await request(app).put('/v1/callbacks').set(auth).send({ url });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toEqual([
        { field: 'body.url', rule, message: expect.stringMatching(message) },
      ]);
    }
    await request(app).get('/v1/callbacks').set(auth).expect(404);
  });

  it('accepts a public https URL, by address or by a name that resolves only to public addresses', async () => {
    const app = appWith({ policy: STRICT_CALLBACK_POLICY, resolve: zone });
    for (const url of ['https://93.184.216.34/hooks', 'https://hooks.example.com:8443/cb?x=1']) {
      const res = await request(app).put('/v1/callbacks').set(auth).send({ url }).expect(200);
      expect(res.body).toEqual({ url, secret: expect.stringMatching(/^whsec_/) });
    }
  });

  it('without callbackTargets the app takes the strict default (the product default refuses loopback)', async () => {
    const res = await request(appWith(undefined))
      .put('/v1/callbacks')
      .set(auth)
      .send({ url: 'http://127.0.0.1:9/cb' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].rule).toBe('https_required');
    const local = await request(appWith(undefined))
      .put('/v1/callbacks')
      .set(auth)
      .send({ url: 'https://127.0.0.1:9/cb' });
    expect(local.body.error.details[0].rule).toBe('forbidden_address');
  });

  it('the development settings (CALLBACK_ALLOW_HTTP, CALLBACK_ALLOW_PRIVATE_NETWORKS) open http and loopback, never multicast', async () => {
    const app = appWith(LOCAL_CALLBACK_TARGETS);
    await request(app).put('/v1/callbacks').set(auth).send({ url: 'http://127.0.0.1:9/cb' }).expect(200);
    const multicast = await request(app).put('/v1/callbacks').set(auth).send({ url: 'http://224.0.0.1/cb' });
    expect(multicast.status).toBe(400);
    expect(multicast.body.error.details[0].message).toMatch(/multicast/);
  });
});
