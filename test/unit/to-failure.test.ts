import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes, toActivityFailure } from '../../activities/to-failure';
import { parseRetryAfter, ProviderError } from '../../src/providers/errors';

describe('activity boundary: ProviderError → ApplicationFailure', () => {
  it('rate_limited is retryable with the provider wait as nextRetryDelay', () => {
    const f = toActivityFailure(
      new ProviderError('rate_limited', 'throughput', {
        provider: 'meta',
        code: '130429',
        retryAfterMs: 7000,
      }),
    ) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe(FailureTypes.rate_limited);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(7000);
    expect(f.details?.[0]).toMatchObject({ provider: 'meta', code: '130429', kind: 'rate_limited' });
  });

  it.each([
    ['transient', false],
    ['auth', true],
    ['invalid_request', true],
    ['permanent', true],
  ] as const)('%s → nonRetryable=%s', (kind, nonRetryable) => {
    const f = toActivityFailure(new ProviderError(kind, 'x', { provider: 'p' })) as ApplicationFailure;
    expect(f.type).toBe(FailureTypes[kind]);
    expect(f.nonRetryable).toBe(nonRetryable);
  });

  it('passes other errors through', () => {
    const e = new TypeError('boom');
    expect(toActivityFailure(e)).toBe(e);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
