import SwaggerParser from '@apidevtools/swagger-parser';
import type { Application, Express } from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createSessionHealthRepository } from '../../src/db/repositories/session-health.repository';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { createSignupStateRepository } from '../../src/db/repositories/signup-state.repository';
import { createOnboardingRepository } from '../../src/db/repositories/onboarding.repository';
import { createOnboardingCommands } from '../../src/api/onboardings/onboarding-commands';
import { TEST_ONBOARDING_SETTINGS } from '../helpers/onboarding';
import { operationDocs } from '../../src/api/openapi/document';
import { operationKey } from '../../src/api/openapi/operation-docs';
import { liveRoutes } from '../../src/api/openapi/route-walk';
import { createMetrics } from '../../src/observability/metrics';
import { sendMessageBody } from '../../src/schemas/message.schema';
import { createSessionBody } from '../../src/schemas/session.schema';
import { buildTestApp } from '../helpers/app';
import { messagingFeature } from '../helpers/messaging';
import { FAST_TIMING, testSecretBox, WEBHOOK_SECRET } from '../helpers/sessions';
import { testPayloadCodec, testRecipientHash } from '../helpers/temporal';
import { useStack } from '../fixtures/stack';

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> };
  webhooks?: Record<string, unknown>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const keysOfDoc = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => operationKey(m, p)),
  );
const keysOfApp = (app: Application) => liveRoutes(app).map((r) => operationKey(r.method, r.path));
const sorted = (a: string[]) => [...a].sort();

/** Routes without a declaration, and declarations no route serves: both must be empty. */
function drift(app: Application): { undocumented: string[]; notServed: string[] } {
  const live = new Set(keysOfApp(app));
  return {
    undocumented: [...live].filter((k) => !(k in operationDocs)),
    notServed: Object.keys(operationDocs).filter((k) => !live.has(k)),
  };
}

describe('OpenAPI 3.1 document: generated from the routes and their zod schemas', () => {
  // No provider is ever called here (every probe is rejected before it would be): an unused port.
  const stack = useStack({ queue: 'openapi', tenants: ['tenant-docs'], worker: false });
  let app: Express;
  let doc: Doc;
  let key: string;

  beforeAll(async () => {
    const { db, temporal, taskQueue, deps: messaging } = stack;
    // Every optional feature mounted, so the document has every route the product can serve.
    app = stack.app({
      messaging: messagingFeature(messaging, {
        inbound: { callbackMaxAttempts: 1, callbackRetryInitialMs: 50 },
      }),
      sessions: {
        repository: createSessionRepository(db.conn, testSecretBox()),
        gatewayKind: 'seed',
        timing: FAST_TIMING,
        webhookSecret: WEBHOOK_SECRET,
      },
      sessionHealth: { sweeps: createSessionHealthRepository(db.conn) },
      onboardings: {
        commands: createOnboardingCommands({
          temporal: temporal.client,
          taskQueue,
          onboardings: createOnboardingRepository(db.conn, testSecretBox()),
          senders: messaging.senders,
          box: testSecretBox(),
          signupStates: createSignupStateRepository(db.conn),
          settings: TEST_ONBOARDING_SETTINGS,
          availability: { meta: true, '360dialog': true, twilio: true, twilioAccount: true },
        }),
      },
      conversations: messaging.conversations,
      metrics: createMetrics(new Registry(), { defaultMetrics: false }),
      codec: {
        codec: testPayloadCodec,
        token: 'codec-token-for-the-openapi-test-0123',
        corsOrigins: [],
        recipientHash: testRecipientHash,
      },
    });
    key = stack.key('tenant-docs');
    doc = (await request(app).get('/openapi.json').expect(200).expect('Content-Type', /json/)).body as Doc;
  });

  it('is a valid OpenAPI 3.1 document (checked against the official 3.1 schema)', async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
    // The parser validates a copy: it dereferences in place.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('documents every route the app serves and nothing it does not (both ways)', () => {
    expect(drift(app)).toEqual({ undocumented: [], notServed: [] });
    expect(sorted(keysOfDoc(doc))).toEqual(sorted(keysOfApp(app)));
    for (const [path, item] of Object.entries(doc.paths))
      for (const op of Object.values(item)) expect(`${path} ${op.summary}`).not.toMatch(/Undocumented/);
  });

  it('each operation carries exactly the inputs its route() validates', () => {
    for (const r of liveRoutes(app)) {
      const op = doc.paths[r.path]?.[r.method] as Operation;
      const names = (where: string) =>
        (op.parameters ?? [])
          .filter((p) => p.in === where)
          .map((p) => p.name)
          .sort();
      const keys = (s: unknown) => Object.keys((s as { shape?: object } | undefined)?.shape ?? {}).sort();
      expect({ op: r.path, path: names('path') }).toEqual({ op: r.path, path: keys(r.schemas?.params) });
      expect({ op: r.path, query: names('query') }).toEqual({ op: r.path, query: keys(r.schemas?.query) });
      if (r.schemas?.body) expect(op.requestBody?.content['application/json']?.schema).toBeDefined();
    }
  });

  it('the drift check fails for an undocumented route and for a declaration nothing serves', () => {
    const partial = buildTestApp({
      conn: stack.db.conn,
      temporal: stack.temporal.client,
      taskQueue: 'x',
      logger: stack.log.logger,
    });
    partial.get('/not-in-the-document', (_req, res) => {
      res.end();
    });
    const d = drift(partial);
    expect(d.undocumented).toEqual(['GET /not-in-the-document']);
    expect(d.notServed).toEqual(expect.arrayContaining(['POST /v1/messages', 'POST /v1/sessions']));
  });

  it('every documented operation is answered by its route, not by the catch-all 404', async () => {
    // Inputs are deliberately invalid (bad path ids, bad query values, empty bodies) so that no
    // probe changes anything; a route that is reached answers with its own status, never 5xx.
    const auth = { Authorization: `Bearer ${key}` };
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) {
        const url = path.replace(/\{[^}]+\}/g, '!');
        const query = Object.fromEntries(
          (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, '!']),
        );
        let req = (request(app) as unknown as Record<string, (p: string) => request.Test>)[method]!(url)
          .query(query)
          .set(auth);
        if (op.requestBody) req = req.send({});
        const res = await req;
        expect({ op: `${method} ${path}`, code: res.body?.error?.code }).not.toEqual({
          op: `${method} ${path}`,
          code: 'route_not_found',
        });
        expect(res.status).toBeLessThan(500);
      }
  });

  it('request bodies are the validating zod schemas: text body max 4096, session id rule', () => {
    const body = (p: string, m: string) =>
      doc.paths[p]?.[m]?.requestBody?.content['application/json']?.schema;
    const send = body('/v1/messages', 'post') as {
      properties: Record<string, { properties?: Record<string, Record<string, unknown>> }>;
    };
    expect(send.properties.text?.properties?.body).toEqual({ type: 'string', minLength: 1, maxLength: 4096 });
    // And the same rule is what validation enforces.
    const long = { from: 's1', to: '+14155550100', type: 'text', text: { body: 'x'.repeat(4097) } };
    expect(sendMessageBody.safeParse(long).success).toBe(false);
    expect(sendMessageBody.safeParse({ ...long, text: { body: 'x'.repeat(4096) } }).success).toBe(true);

    const create = body('/v1/sessions', 'post') as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(create.properties.sessionId).toEqual({ type: 'string', pattern: '^[a-zA-Z0-9_-]{1,50}$' });
    expect(create.required).toEqual(['sessionId']);
    expect(create.additionalProperties).toBe(false);
    expect(createSessionBody.safeParse({ sessionId: 'a'.repeat(51) }).success).toBe(false);
  });

  it('path and query parameters come from the route schemas', () => {
    const params = (p: string, m: string) =>
      (doc.paths[p]?.[m]?.parameters ?? []).map((x) => `${x.in}:${x.name}`).sort();
    expect(params('/v1/sessions/{sessionId}', 'get')).toEqual(['path:sessionId']);
    expect(params('/v1/messages', 'get')).toEqual(
      ['broadcastId', 'cursor', 'from', 'limit', 'since', 'status', 'to', 'until'].map((n) => `query:${n}`),
    );
    expect(params('/v1/messages', 'post')).toEqual(['header:idempotency-key', 'query:wait']);
    expect(params('/webhooks/gateway', 'post')).toEqual(['query:token']);
  });

  it('every list endpoint answers the one ListPage shape, with limit and cursor', () => {
    expect(doc.components.schemas.ListPage).toMatchObject({
      type: 'object',
      required: ['items', 'nextCursor'],
      properties: { nextCursor: { type: ['string', 'null'] } },
    });
    const lists = [
      '/v1/sessions',
      '/v1/senders',
      '/v1/alerts',
      '/v1/onboardings',
      '/v1/dead-letters',
      '/v1/messages',
      '/v1/inbound',
      '/v1/conversations/{senderId}/{contact}',
    ];
    for (const path of lists) {
      const op = doc.paths[path]?.get as Operation;
      const schema = op.responses['200']?.content?.['application/json']?.schema as {
        allOf?: Array<{ $ref?: string; allOf?: Array<{ $ref?: string }> }>;
      };
      // A conversation page is a ListPage with the window beside it: one allOf deeper.
      const refs = [...(schema.allOf ?? []), ...(schema.allOf ?? []).flatMap((s) => s.allOf ?? [])];
      expect({ path, refs: refs.map((s) => s.$ref).filter(Boolean) }).toEqual({
        path,
        refs: ['#/components/schemas/ListPage'],
      });
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect({ path, query }).toEqual({ path, query: expect.arrayContaining(['limit', 'cursor']) });
    }
  });

  it('declares the API key for /v1, the common error body, webhooks and probes', () => {
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { required: ['code', 'message'] } },
    });
    for (const [path, item] of Object.entries(doc.paths))
      for (const op of Object.values(item)) {
        if (path.startsWith('/v1/')) {
          expect({ path, security: op.security }).toEqual({ path, security: [{ ApiKey: [] }] });
          expect(op.responses['401']?.content?.['application/json']?.schema).toEqual({
            $ref: '#/components/schemas/Error',
          });
        } else expect({ path, security: op.security }).not.toEqual({ path, security: [{ ApiKey: [] }] });
      }
    expect(doc.paths['/v1/messages']?.post?.responses['400']).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/webhooks/meta', '/webhooks/gateway', '/metrics']),
    );
    expect(doc.paths['/webhooks/gateway']?.post?.security).toEqual([{ GatewayWebhookSecret: [] }]);
    expect(doc.webhooks).toHaveProperty('tenantCallback');
  });

  it('/docs is a self-contained HTML page: no inline script, scripts from this origin, CSP on', async () => {
    const res = await request(app).get('/docs').expect(200).expect('Content-Type', /html/);
    const html = res.text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/docs\/[\w.-]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toMatch(/script-src-attr 'none'/);
    for (const [, attrs] of scripts) {
      const src = /src="([^"]+)"/.exec(attrs ?? '')?.[1] as string;
      await request(app)
        .get(src)
        .expect(200)
        .expect('Content-Type', /javascript/);
    }
    await request(app).get('/docs/docs.css').expect(200).expect('Content-Type', /css/);
  });
});
