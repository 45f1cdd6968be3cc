import request from 'supertest';
import { useInfra } from '../fixtures/infra';

/** GET /v1/me: the key's tenant and the Temporal Web UI the admin page links workflows to. */
describe('GET /v1/me', () => {
  const infra = useInfra({ queue: 'me', tenants: ['tenant-me-a', 'tenant-me-b'] });
  const build = (temporalUi?: { url: string; namespace: string }) => infra.app({ temporalUi });
  const keys: Record<string, string> = {};
  beforeAll(() => {
    for (const t of ['tenant-me-a', 'tenant-me-b']) keys[t] = infra.key(t);
  });

  it("answers each key's own tenant and the UI's base URL (trailing slashes dropped) and namespace", async () => {
    const app = build({ url: 'http://ui.example:8233//', namespace: 'prod ns' });
    for (const tenantId of ['tenant-me-a', 'tenant-me-b']) {
      const res = await request(app)
        .get('/v1/me')
        .set('Authorization', `Bearer ${keys[tenantId]}`)
        .expect(200);
      expect(res.body).toEqual({
        tenantId,
        temporalUi: { url: 'http://ui.example:8233', namespace: 'prod ns' },
      });
    }
  });

  it('answers temporalUi null when TEMPORAL_UI_URL is not set', async () => {
    const res = await request(build())
      .get('/v1/me')
      .set('Authorization', `Bearer ${keys['tenant-me-a']}`)
      .expect(200);
    expect(res.body).toEqual({ tenantId: 'tenant-me-a', temporalUi: null });
  });

  it('refuses a query parameter (400 naming the rule and the key) and a missing or wrong key (401)', async () => {
    const app = build({ url: 'http://ui.example:8233', namespace: 'default' });
    const res = await request(app)
      .get('/v1/me?tenantId=tenant-me-b')
      .set('Authorization', `Bearer ${keys['tenant-me-a']}`)
      .expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([
      { field: 'query', rule: 'unrecognized_keys', message: expect.stringContaining('tenantId') },
    ]);
    expect((await request(app).get('/v1/me').expect(401)).body.error.code).toBe('unauthorized');
    const wrong = await request(app).get('/v1/me').set('Authorization', 'Bearer wa_nope').expect(401);
    expect(wrong.body.error.code).toBe('invalid_api_key');
    expect(JSON.stringify(wrong.body)).not.toContain('tenant-me');
  });
});
