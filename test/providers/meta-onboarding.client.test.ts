import { ProviderError } from '../../src/providers/errors';
import {
  createMetaOnboardingClient,
  isCodeAlreadyUsed,
} from '../../src/providers/meta/meta-onboarding.client';
import { MetaGraphFake } from '../fakes/meta-graph.fake';

const APP = { appId: '987654321012345', appSecret: 'es-app-secret-0123456789abcdef' };
const CODE = `AQD-client-code-${'x'.repeat(40)}`;
const TOKEN = `EAAG-client-token-${'y'.repeat(40)}`;

describe('Meta Embedded Signup client: the code exchange against the Graph fake', () => {
  let fake: MetaGraphFake;
  const client = () =>
    createMetaOnboardingClient({ baseUrl: fake.baseUrl, apiVersion: 'v23.0', timeoutMs: 2_000, ...APP });

  beforeAll(async () => {
    fake = await new MetaGraphFake({ tokens: {}, oauthApp: APP }).start();
    fake.es.addWaba('555000000000901', [{ id: '106500000000901', display_phone_number: '+1 631-555-0901' }]);
  });
  afterAll(() => fake.stop());

  it('GET /v23.0/oauth/access_token with client_id, client_secret and code gives the token', async () => {
    fake.es.issueCode(CODE, { token: TOKEN, wabaId: '555000000000901' });
    expect(await client().exchangeCode(CODE)).toBe(TOKEN);
    const req = fake.requests.find((r) => r.path.endsWith('/oauth/access_token'));
    expect(req).toMatchObject({ method: 'GET', path: '/v23.0/oauth/access_token' });
  });

  it('a second exchange of the code: OAuthException 100/36009, recognised as already used, code never in the text', async () => {
    const err = await client()
      .exchangeCode(CODE)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'invalid_request', code: '100', httpStatus: 400 });
    expect((err as Error).message).toMatch(/This authorization code has been used/);
    expect((err as Error).message).not.toContain(CODE);
    expect(isCodeAlreadyUsed(err)).toBe(true);
  });

  it('an expired code (100/36007) and an unknown one (100) are not "already used"', async () => {
    const expired = `AQD-expired-${'z'.repeat(40)}`;
    fake.es.issueCode(expired, { token: 'EAAG-other', wabaId: '555000000000901', ttlMs: -1 });
    const errs = await Promise.all(
      [expired, 'AQD-never-issued'].map((c) =>
        client()
          .exchangeCode(c)
          .catch((e: unknown) => e),
      ),
    );
    expect(errs.map((e) => [(e as ProviderError).code, isCodeAlreadyUsed(e)])).toEqual([
      ['100', false],
      ['100', false],
    ]);
    expect((errs[0] as Error).message).toMatch(/has expired/);
  });
});
