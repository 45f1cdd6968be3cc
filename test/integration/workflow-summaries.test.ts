import request from 'supertest';
import { startInboundWorkflow } from '../../src/ingest/inbound-events';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { maskPhone } from '../../src/temporal/workflow-summaries';
import { captureLogger } from '../helpers/logger';
import { useStack } from '../fixtures/stack';

const TENANT = 'tenant-summaries';
const BODY = 'Your secret code is 918273';

/**
 * What the Temporal Web UI shows for the workflows we start: their static summary and details,
 * read back from the real server. No worker polls this task queue, so each stays as started.
 */
describe('workflow static summaries (real Temporal)', () => {
  const log = captureLogger();
  const started: string[] = [];
  afterAll(async () => {
    for (const id of started)
      await stack.temporal.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
  });
  // No worker polls this task queue, so each workflow stays as started.
  const stack = useStack({
    queue: 'summaries',
    messaging: { rateFor: () => ({ ratePerSec: 80, burst: 80 }) },
    logger: log.logger,
    worker: false,
    tenants: [TENANT],
    senders: {
      [TENANT]: [
        {
          senderId: 'shop',
          phoneNumberId: '300000000000001',
          wabaId: '102290129340398',
          displayPhoneNumber: '+1 555 0199',
          accessToken: 'EAAG-summaries-token-0123456789',
        },
      ],
    },
  });

  const describeStatic = async (workflowId: string) => {
    started.push(workflowId);
    const d = await stack.temporal.client.workflow.getHandle(workflowId).describe();
    return { summary: await d.staticSummary(), details: await d.staticDetails() };
  };

  it('masks phone numbers: country code and last four digits only', () => {
    expect(maskPhone('4915112345678')).toBe('+49…5678');
    expect(maskPhone('+49 151 1234-5678')).toBe('+49…5678');
    expect(maskPhone('12345')).toBe('…');
  });

  it('a message workflow: type, masked recipient, sender and provider — never the body', async () => {
    const res = await request(stack.api.app)
      .post('/v1/messages')
      .set(stack.auth(TENANT))
      .send({ from: 'shop', to: '4915112345678', type: 'text', text: { body: BODY } })
      .expect(202);
    const { summary, details } = await describeStatic(workflowIds.message(TENANT, res.body.id));
    expect(summary).toBe('text to +49…5678 from shop (meta)');
    expect(details).toContain(res.body.id);
    for (const text of [summary, details]) {
      expect(text).not.toContain(BODY);
      expect(text).not.toContain('918273');
      expect(text).not.toContain('4915112345678');
      expect(text).not.toContain('EAAG');
    }
  });

  it('an inbound message workflow: type, masked sender number and receiving sender — never the text', async () => {
    const m = {
      provider: 'meta',
      providerMessageId: `wamid.summaries-${Date.now()}`,
      recipientAccountId: '300000000000001',
      from: '4917098765432',
      fromName: 'Customer',
      at: new Date().toISOString(),
      type: 'text',
      text: BODY,
      content: { body: BODY },
    };
    await expect(
      startInboundWorkflow(
        {
          temporal: stack.temporal.client,
          taskQueue: stack.taskQueue,
          callbackMaxAttempts: 1,
          callbackRetryInitialMs: 50,
        },
        { tenantId: TENANT, senderId: 'shop' },
        m,
      ),
    ).resolves.toBe('started');
    const { summary, details } = await describeStatic(
      workflowIds.inbound(TENANT, 'meta', m.providerMessageId),
    );
    expect(summary).toBe('Inbound text from +49…5432 to sender shop (meta)');
    for (const text of [summary, details]) {
      expect(text).not.toContain(BODY);
      expect(text).not.toContain('4917098765432');
    }
  });
});
