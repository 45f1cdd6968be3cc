import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/env';
import { ONBOARDING_STEPS, OFFICIAL_PROVIDERS } from '../../src/providers/official-providers';
import { createProviderRegistry, onboardingFor, onboardingOf, PROVIDERS } from '../../src/providers/registry';

const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const env = (extra: Record<string, string> = {}) => loadConfig({ ENCRYPTION_KEYS: KEYS, ...extra });

describe('provider registry: one descriptor per provider', () => {
  it('every official provider has one onboarding descriptor, with the steps the workflow runs', () => {
    for (const p of OFFICIAL_PROVIDERS) expect(onboardingOf(p).steps).toEqual(ONBOARDING_STEPS[p]);
    expect(new Set(PROVIDERS.map((d) => d.name)).size).toBe(PROVIDERS.length);
  });

  it('rates come from each provider’s RATE_LIMIT_*; a session (or anything unknown) sends at the gateway’s pace', () => {
    const r = createProviderRegistry(
      env({
        RATE_LIMIT_META_PER_SECOND: '70',
        RATE_LIMIT_META_BURST: '71',
        RATE_LIMIT_DIALOG360_PER_SECOND: '60',
        RATE_LIMIT_DIALOG360_BURST: '61',
        RATE_LIMIT_TWILIO_PER_SECOND: '5',
        RATE_LIMIT_TWILIO_BURST: '6',
        RATE_LIMIT_GATEWAY_PER_MINUTE: '30',
        RATE_LIMIT_GATEWAY_BURST: '7',
      }),
    );
    expect(r.rateOf('meta')).toEqual({ ratePerSec: 70, burst: 71 });
    expect(r.rateOf('360dialog')).toEqual({ ratePerSec: 60, burst: 61 });
    expect(r.rateOf('twilio')).toEqual({ ratePerSec: 5, burst: 6 });
    expect(r.rateOf('whatsapp_web')).toEqual({ ratePerSec: 0.5, burst: 7 });
    expect(r.rateOf('something-else')).toEqual({ ratePerSec: 0.5, burst: 7 });
  });

  it('onboarding availability follows each provider’s credentials on the server', () => {
    expect(createProviderRegistry(env()).onboardingAvailability).toEqual({
      meta: false,
      '360dialog': false,
      twilio: true,
      twilioAccount: false,
    });
    const all = createProviderRegistry(
      env({
        META_APP_ID: '123',
        META_APP_SECRET: 's',
        DIALOG360_PARTNER_ID: 'p',
        DIALOG360_PARTNER_API_KEY: 'k',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 't'.repeat(32),
      }),
    );
    expect(all.onboardingAvailability).toEqual({
      meta: true,
      '360dialog': true,
      twilio: true,
      twilioAccount: true,
    });
  });

  it('onboarding clients: one entry per provider its credentials allow; Twilio’s client always, its account when set', () => {
    const none = createProviderRegistry(env()).onboardingClients();
    expect(Object.keys(none)).toEqual(['twilio']);
    expect(none.twilio.account).toBeUndefined();
    const all = createProviderRegistry(
      env({
        META_APP_ID: '123',
        META_APP_SECRET: 's',
        META_TIMEOUT_MS: '4000',
        DIALOG360_PARTNER_ID: 'p',
        DIALOG360_PARTNER_API_KEY: 'k',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 't'.repeat(32),
      }),
    ).onboardingClients();
    expect(Object.keys(all).sort()).toEqual(['dialog360', 'meta', 'twilio']);
    expect(all.meta?.callTimeoutMs).toBe(4000);
    expect(all.twilio.account).toEqual({ accountSid: `AC${'0'.repeat(32)}`, authToken: 't'.repeat(32) });
  });

  it('ownership clients: Meta’s and Twilio’s, whatever the server’s credentials (the tenant brings its own)', () => {
    const clients = createProviderRegistry(env()).ownershipClients();
    expect(Object.keys(clients).sort()).toEqual(['meta', 'twilio']);
    expect(typeof clients.meta.check).toBe('function');
    expect(typeof clients.twilio.findBySenderId).toBe('function');
  });

  it('a request’s own descriptor: sender id, routing key and secrets', () => {
    const meta = { provider: 'meta', code: 'c', pin: '123456', phoneNumberId: '12345' } as const;
    expect(onboardingFor(meta).defaultSenderId(meta, 'onb_abcdefghijklmnopqrstu')).toBe('meta-12345');
    expect(onboardingFor(meta).routingKey(meta, undefined)).toBe('meta:12345');
    expect(onboardingFor(meta).secrets(meta)).toEqual({ code: 'c', pin: '123456' });
    const twilio = {
      provider: 'twilio',
      wabaId: '123456',
      phoneNumber: '4915112345678',
      verificationMethod: 'sms',
    } as const;
    expect(onboardingFor(twilio).routingKey(twilio, undefined)).toBeNull();
    expect(onboardingFor(twilio).routingKey(twilio, 'AC1')).toBe('twilio:AC1:4915112345678');
    const none = createProviderRegistry(env()).onboardingAvailability;
    expect(onboardingFor(twilio).refusal(twilio, none)).toMatch(/TWILIO_ACCOUNT_SID/);
    const own = { ...twilio, accountSid: 'AC1', authToken: 't' };
    expect(onboardingFor(own).refusal(own, none)).toBeNull();
  });
});
