import { randomBytes } from 'node:crypto';
import { createTwilioSimulator } from '../../src/simulator/official/twilio/twilio.simulator';
import { startWebhookReceiver, until } from '../fakes/webhook-receiver.fake';
import { encodeForm, twilioSign, type TwilioForm } from '../fixtures/webhook-payloads';

/**
 * The Twilio simulator's contract (reference/official-platform.md C): the Messages and Senders
 * APIs on one port, status callbacks and inbound messages signed with X-Twilio-Signature, its
 * control API.
 */
const SERVER_SID = `AC${randomBytes(16).toString('hex')}`;
const SERVER_TOKEN = randomBytes(16).toString('hex');
const CUSTOMER = '4915112345678';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sim: ReturnType<typeof createTwilioSimulator>;
let base = '';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sim = createTwilioSimulator({
    accountSid: SERVER_SID,
    authToken: SERVER_TOKEN,
    inboundUrl: '', // set below, once the receiver's URL is known
    timing: { sent: 0, delivered: 0, read: 0 },
    retryDelaysMs: [],
  });
  sim.ctx.opts.inboundUrl = `${receiver.url}/webhooks/twilio`;
  base = (await sim.listen()).url;
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

const basic = (sid: string, token: string) => `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;

async function control(method: string, path: string, body: unknown = {}) {
  const res = await fetch(`${base}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function send(account: { accountSid: string; authToken: string }, form: TwilioForm) {
  const res = await fetch(`${base}/2010-04-01/Accounts/${account.accountSid}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: basic(account.accountSid, account.authToken),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: encodeForm(form),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** Signed form POSTs that reached the receiver about one message sid, parsed, checked against `token`. */
function formsAbout(sid: string, token: string) {
  return receiver.received
    .filter((w) => w.raw.includes(sid))
    .map((w) => {
      const form = Object.fromEntries(new URLSearchParams(w.raw));
      expect(w.headers['x-twilio-signature']).toBe(twilioSign(token, `${receiver.url}${w.url}`, form));
      return form;
    });
}

const template = (from: string, ref: string) => ({
  From: `whatsapp:${from}`,
  To: `whatsapp:+${CUSTOMER}`,
  ContentSid: `HX${'a'.repeat(32)}`,
  StatusCallback: `${receiver.url}/webhooks/twilio?ref=${ref}`,
});

it("a sender's template is 201 queued; sent, delivered, read callbacks follow, signed with its account's token", async () => {
  const own = (await control('POST', '/senders')).body;
  const res = await send(
    own as Json & { accountSid: string; authToken: string },
    template(own.phoneNumber, 'acme:msg_1'),
  );
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
    account_sid: own.accountSid,
    status: 'queued',
    from: `whatsapp:${own.phoneNumber}`,
    to: `whatsapp:+${CUSTOMER}`,
    direction: 'outbound-api',
    error_code: null,
  });
  const sid = res.body.sid as string;
  await until(
    () => formsAbout(sid, own.authToken),
    (f) => f.length === 3,
    'three callbacks',
  );
  const forms = formsAbout(sid, own.authToken);
  expect(forms.map((f) => f.MessageStatus)).toEqual(['sent', 'delivered', 'read']);
  expect(forms[0]).toMatchObject({ AccountSid: own.accountSid, MessageSid: sid, ChannelPrefix: 'whatsapp' });
  expect(receiver.received.find((w) => w.raw.includes(sid))?.url).toBe('/webhooks/twilio?ref=acme:msg_1');
});

it('a From that is no ONLINE sender of the account is 63007; a wrong token 20003', async () => {
  const own = (await control('POST', '/senders')).body as Json & { accountSid: string; authToken: string };
  const other = await send(own, template('+15550000001', 'acme:msg_2'));
  expect(other).toEqual({
    status: 400,
    body: {
      code: 63007,
      message: 'Twilio could not find a Channel with the specified From address',
      more_info: 'https://www.twilio.com/docs/errors/63007',
      status: 400,
    },
  });
  const wrong = await send({ ...own, authToken: 'x'.repeat(32) }, template(own.phoneNumber, 'acme:msg_2'));
  expect([wrong.status, wrong.body.code]).toEqual([401, 20003]);
});

it('a free-form Body outside the window is accepted, then failed 63016; an inbound message opens the window', async () => {
  const own = (await control('POST', '/senders')).body as Json & { accountSid: string; authToken: string };
  const { ContentSid: _template, ...rest } = template(own.phoneNumber, 'acme:msg_3');
  const text: TwilioForm = { ...rest, Body: 'Hi' };
  const first = await send(own, text);
  expect(first.status).toBe(201);
  await until(
    () => formsAbout(first.body.sid, own.authToken),
    (f) => f.length === 1,
    'the failed callback',
  );
  expect(formsAbout(first.body.sid, own.authToken)[0]).toMatchObject({
    MessageStatus: 'failed',
    ErrorCode: '63016',
  });

  const inbound = await control('POST', '/inbound', {
    from: `+${CUSTOMER}`,
    to: own.phoneNumber,
    body: 'Hello',
  });
  expect(inbound.body.webhook).toMatchObject({ httpStatus: 200 });
  const [form] = formsAbout(inbound.body.messageSid, own.authToken);
  expect(form).toMatchObject({
    From: `whatsapp:+${CUSTOMER}`,
    To: `whatsapp:${own.phoneNumber}`,
    Body: 'Hello',
    WaId: CUSTOMER,
    AccountSid: own.accountSid,
  });
  const second = await send(own, text);
  await until(
    () => formsAbout(second.body.sid, own.authToken),
    (f) => f.length === 3,
    'three callbacks',
  );
});

it('Senders API: a new sender is CREATING, ONLINE after its polls, and can send; PENDING_VERIFICATION takes the OTP', async () => {
  const auth = { authorization: basic(SERVER_SID, SERVER_TOKEN), 'content-type': 'application/json' };
  const create = (phone: string) =>
    fetch(`${base}/v2/Channels/Senders`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ sender_id: `whatsapp:${phone}`, configuration: { waba_id: '123456789012345' } }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Json }));
  const poll = (sid: string) =>
    fetch(`${base}/v2/Channels/Senders/${sid}`, { headers: auth }).then((r) => r.json() as Promise<Json>);

  const created = await create('+15557654321');
  expect(created).toMatchObject({
    status: 202,
    body: { sid: expect.stringMatching(/^XE/), status: 'CREATING' },
  });
  expect(created.body.url).toBe(`${base}/v2/Channels/Senders/${created.body.sid}`);
  await until(
    () => poll(created.body.sid),
    (s) => s.status === 'ONLINE',
    'ONLINE',
  );
  const sent = await send(
    { accountSid: SERVER_SID, authToken: SERVER_TOKEN },
    template('+15557654321', 'acme:msg_4'),
  );
  expect(sent.status).toBe(201);

  await control('PUT', '/settings', { senderOutcome: 'pending', verificationCode: '654321' });
  const pending = await create('+15557654322');
  await until(
    () => poll(pending.body.sid),
    (s) => s.status === 'PENDING_VERIFICATION',
    'PENDING_VERIFICATION',
  );
  const otp = (code: string) =>
    fetch(`${base}/v2/Channels/Senders/${pending.body.sid}`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ configuration: { verification_code: code } }),
    });
  expect((await otp('111111')).status).toBe(400);
  expect((await otp('654321')).status).toBe(200);
  await until(
    () => poll(pending.body.sid),
    (s) => s.status === 'ONLINE',
    'ONLINE after the OTP',
  );
  await control('PUT', '/settings', { senderOutcome: 'online' });
});

it("answers errors on request with the code's status and Twilio's shape; async ones by callback", async () => {
  const own = (await control('POST', '/senders')).body as Json & { accountSid: string; authToken: string };
  await control('POST', '/fail-next', { code: 20429, retryAfter: '3' });
  const limited = await send(own, template(own.phoneNumber, 'acme:msg_5'));
  expect(limited).toEqual({
    status: 429,
    body: {
      code: 20429,
      message: 'Too Many Requests',
      more_info: 'https://www.twilio.com/docs/errors/20429',
      status: 429,
    },
  });
  await control('POST', '/fail-next', { code: 63024, async: true, asyncStatus: 'undelivered' });
  const res = await send(own, template(own.phoneNumber, 'acme:msg_6'));
  expect(res.status).toBe(201);
  await until(
    () => formsAbout(res.body.sid, own.authToken),
    (f) => f.length === 1,
    'the undelivered callback',
  );
  expect(formsAbout(res.body.sid, own.authToken)[0]).toMatchObject({
    MessageStatus: 'undelivered',
    ErrorCode: '63024',
  });
  expect((await control('POST', '/fail-next', {})).status).toBe(400);
});

it('its accounts and senders survive a restart (exportState → importState)', async () => {
  const own = (await control('POST', '/senders')).body as Json & { accountSid: string; authToken: string };
  const next = createTwilioSimulator({
    accountSid: SERVER_SID,
    authToken: SERVER_TOKEN,
    inboundUrl: sim.ctx.opts.inboundUrl,
  });
  next.importState(JSON.parse(JSON.stringify(sim.exportState())));
  const url = (await next.listen()).url;
  try {
    const res = await fetch(`${url}/v2/Channels/Senders?Channel=whatsapp`, {
      headers: { authorization: basic(own.accountSid, own.authToken) },
    });
    expect(((await res.json()) as Json).senders).toEqual([
      expect.objectContaining({ sender_id: `whatsapp:${own.phoneNumber}`, status: 'ONLINE' }),
    ]);
  } finally {
    await next.close();
  }
});
