import request from 'supertest';
import { redactUrlSecrets } from '../../src/logging/redact-url';
import { useStack } from '../fixtures/stack';

const VERIFY_TOKEN = 'meta-verify-token-0123';

describe('secret query parameters never reach the request log (issue 15)', () => {
  const stack = useStack({
    queue: 'logs',
    worker: false,
    api: { webhooks: { metaVerifyToken: VERIFY_TOKEN } },
  });

  it('GET /webhooks/meta with hub.verify_token=secret logs the request without `secret`', async () => {
    const { app } = stack.api;
    const { log } = stack;
    await request(app)
      .get('/webhooks/meta')
      .query({ 'hub.mode': 'subscribe', 'hub.challenge': '42', 'hub.verify_token': 'secret' })
      .expect(403);
    await request(app)
      .get('/webhooks/meta')
      .query({ 'hub.mode': 'subscribe', 'hub.challenge': '43', 'hub.verify_token': VERIFY_TOKEN })
      .expect(200);
    await request(app)
      .get('/nowhere?apiKey=secret&Code=secret&client_secret=secret&keep=visible')
      .expect(404);

    const lines = log.lines().filter((l) => l.includes('"url"'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).not.toContain('secret&');
      expect(line).not.toMatch(/=secret\b|"secret"/);
      expect(line).not.toContain(VERIFY_TOKEN);
    }
    expect(lines.join('\n')).toContain('hub.verify_token=[redacted]');
    expect(lines.join('\n')).toContain('hub.challenge=42');
    expect(lines.join('\n')).toContain('keep=visible');
  });

  it('redactUrlSecrets keeps everything but the secret values', () => {
    expect(redactUrlSecrets('/webhooks/gateway?x=1&token=abc')).toBe(
      '/webhooks/gateway?x=1&token=[redacted]',
    );
    expect(redactUrlSecrets('/a?hub%2Everify_token=abc&b=2#frag')).toBe(
      '/a?hub%2Everify_token=[redacted]&b=2#frag',
    );
    expect(redactUrlSecrets('/a?KEY=1&secret=2&password=3&access_token=4&tokenish=5')).toBe(
      '/a?KEY=[redacted]&secret=[redacted]&password=[redacted]&access_token=[redacted]&tokenish=5',
    );
    expect(redactUrlSecrets('/plain')).toBe('/plain');
    expect(redactUrlSecrets('/bad?%E0%A4%A=1')).toBe('/bad?%E0%A4%A=1');
  });
});
