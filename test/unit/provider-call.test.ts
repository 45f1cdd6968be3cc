import type { AxiosResponse } from 'axios';
import { isRetryable, ProviderError, type ProviderErrorKind } from '../../src/providers/errors';
import { callProvider, kindFromStatus, readPlainError } from '../../src/providers/http/call';

const answer = (status: number, data: unknown, headers: Record<string, string> = {}) =>
  Promise.resolve({ status, data, headers } as unknown as AxiosResponse);

describe('callProvider: one way to call a provider and classify its answer', () => {
  it.each([
    [429, 'rate_limited'],
    [401, 'auth'],
    [403, 'auth'],
    [500, 'transient'],
    [503, 'transient'],
    [408, 'transient'],
    [400, 'invalid_request'],
    [404, 'invalid_request'],
    [422, 'invalid_request'],
    [302, 'permanent'],
  ] as const)('HTTP %d without a known code → %s', (status, kind) => {
    expect(kindFromStatus(status)).toBe(kind);
  });

  it.each([
    ['transient', true],
    ['rate_limited', true],
    ['auth', false],
    ['invalid_request', false],
    ['permanent', false],
  ] as [ProviderErrorKind, boolean][])('isRetryable(%s) is %s', (kind, retryable) => {
    expect(isRetryable(kind)).toBe(retryable);
    expect(new ProviderError(kind, 'x', { provider: 'p' }).retryable).toBe(retryable);
  });

  it('no answer is transient, with the transport code and no secret in the text', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED key-123'), { code: 'ECONNREFUSED' });
    const err = await callProvider({
      provider: 'p',
      label: 'P',
      action: 'create',
      secrets: ['key-123'],
      send: () => Promise.reject(refused),
      readError: readPlainError,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'transient', provider: 'p', code: 'ECONNREFUSED' });
    expect((err as Error).message).toBe('P create: no answer (connect ECONNREFUSED [redacted])');
  });

  it("the vendor's kind wins; otherwise the status decides; a rate limit waits Retry-After, else the vendor's wait", async () => {
    const call = (status: number, headers: Record<string, string>, kind?: ProviderErrorKind) =>
      callProvider({
        provider: 'p',
        label: 'P',
        send: () => answer(status, {}, headers),
        readError: () => ({ kind, code: 'c1', message: 'said', wait: 5_000 }),
      }).catch((e: unknown) => e);
    expect(await call(400, {}, 'permanent')).toMatchObject({
      kind: 'permanent',
      code: 'c1',
      httpStatus: 400,
    });
    expect(await call(400, {})).toMatchObject({ kind: 'invalid_request', message: 'P: said' });
    expect(await call(429, {})).toMatchObject({ kind: 'rate_limited', retryAfterMs: 5_000 });
    expect(await call(429, { 'retry-after': '2' })).toMatchObject({ retryAfterMs: 2_000 });
    expect(await call(503, {})).toMatchObject({ kind: 'transient', retryAfterMs: undefined });
  });

  it('a 2xx, or an error answer alreadyDone accepts, is the answer', async () => {
    const base = { provider: 'p', label: 'P', readError: readPlainError };
    expect((await callProvider({ ...base, send: () => answer(201, { id: 1 }) })).data).toEqual({ id: 1 });
    const gone = await callProvider({
      ...base,
      send: () => answer(404, {}),
      alreadyDone: (r) => r.status === 404,
    });
    expect(gone.status).toBe(404);
  });
});
