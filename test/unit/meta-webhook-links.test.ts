import { normaliseMetaWebhook } from '../../src/providers/meta/meta.webhook';

// Payloads as Meta's webhooks reference documents them (developers.facebook.com/documentation/
// business-messaging/whatsapp/webhooks/reference/…), with example values.
const WABA = '102290129340398';
const PHONE_ID = '106540352242922';

const templateChange = (field: string, value: Record<string, unknown>, time = 1750857384) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: WABA, time, changes: [{ value, field }] }],
});

const messages = (...msgs: Record<string, unknown>[]) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: WABA,
      changes: [
        {
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_ID },
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
            messages: msgs,
          },
          field: 'messages',
        },
      ],
    },
  ],
});

describe('Meta template alerts beside the status updates', () => {
  it('message_template_quality_update: an alert whose event is the new quality score', () => {
    const value = {
      previous_quality_score: 'GREEN',
      new_quality_score: 'YELLOW',
      message_template_id: 806312974732579,
      message_template_name: 'welcome_template',
      message_template_language: 'en-US',
    };
    const { alerts, rejected } = normaliseMetaWebhook(
      templateChange('message_template_quality_update', value),
    );
    expect(rejected).toEqual([]);
    expect(alerts).toEqual([
      {
        type: 'message_template_quality_update',
        wabaId: WABA,
        event: 'YELLOW',
        phoneNumber: null,
        at: new Date(1750857384_000).toISOString(),
        dedupeKey: expect.stringMatching(/^[0-9a-f]{32}$/),
        details: value,
      },
    ]);
  });

  it('template_category_update: the category it ends with, changed or announced', () => {
    const changed = {
      message_template_id: 278077255386659,
      message_template_name: 'order_confirmation',
      message_template_language: 'en_US',
      previous_category: 'UTILITY',
      new_category: 'MARKETING',
    };
    const announced = {
      message_template_id: 278077255386659,
      message_template_name: 'order_confirmation',
      message_template_language: 'en_US',
      correct_category: 'MARKETING',
      new_category: 'UTILITY',
      category_update_timestamp: 1751462000,
    };
    const read = (value: Record<string, unknown>) =>
      normaliseMetaWebhook(templateChange('template_category_update', value)).alerts;
    expect(read(changed)).toEqual([
      expect.objectContaining({ type: 'template_category_update', event: 'MARKETING', details: changed }),
    ]);
    expect(read(announced)).toEqual([
      expect.objectContaining({ type: 'template_category_update', event: 'MARKETING', details: announced }),
    ]);
    expect(read(changed)[0]?.dedupeKey).not.toBe(read(announced)[0]?.dedupeKey);
  });
});

describe('Meta inbound reactions, edits and revokes name the message they refer to', () => {
  const inboundOf = (m: Record<string, unknown>) => {
    const out = normaliseMetaWebhook(messages(m));
    expect(out.rejected).toEqual([]);
    return out.inbound;
  };

  it('reaction: reaction.message_id (also when the emoji is taken back)', () => {
    const reaction = {
      from: '16505551234',
      id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNTg5RjY1MEMyRjlGMjRGNgA=',
      timestamp: '1750857400',
      type: 'reaction',
      reaction: {
        message_id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
        emoji: '\u{1F44D}',
      },
    };
    expect(inboundOf(reaction)).toEqual([
      {
        provider: 'meta',
        providerMessageId: reaction.id,
        recipientAccountId: PHONE_ID,
        from: '16505551234',
        fromName: 'Sheena Nelson',
        at: new Date(1750857400_000).toISOString(),
        type: 'reaction',
        text: null,
        content: reaction.reaction,
        refersTo: { kind: 'reaction', providerMessageId: reaction.reaction.message_id },
      },
    ]);
    const removed = { ...reaction, reaction: { message_id: reaction.reaction.message_id } };
    expect(inboundOf(removed)[0]?.refersTo).toEqual({
      kind: 'reaction',
      providerMessageId: reaction.reaction.message_id,
    });
  });

  it('edit: edit.original_message_id, the edited message whole, its new text', () => {
    const edit = {
      from: '16505551234',
      id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUJFRDdCOEIxRkMzNTU0QjRBMQA=',
      timestamp: '1750857500',
      type: 'edit',
      edit: {
        original_message_id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUE0RjNBMjUxQTVBQ0Q1NzA5NgA=',
        message: { type: 'text', text: { body: 'See you at 6, not 5' } },
      },
    };
    expect(inboundOf(edit)).toEqual([
      expect.objectContaining({
        type: 'edit',
        text: 'See you at 6, not 5',
        content: edit.edit,
        refersTo: { kind: 'edit', providerMessageId: edit.edit.original_message_id },
      }),
    ]);
  });

  it('revoke: revoke.original_message_id', () => {
    const revoke = {
      from: '16505551234',
      id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQjYwRkY1QjM5RDc3NjQyN0JCOQA=',
      timestamp: '1750857600',
      type: 'revoke',
      revoke: { original_message_id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUE0RjNBMjUxQTVBQ0Q1NzA5NgA=' },
    };
    expect(inboundOf(revoke)).toEqual([
      expect.objectContaining({
        type: 'revoke',
        text: null,
        refersTo: { kind: 'revoke', providerMessageId: revoke.revoke.original_message_id },
      }),
    ]);
  });

  it('other messages refer to nothing; a reaction without a readable message id neither', () => {
    const text = {
      from: '16505551234',
      id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQzAwMDAwMDAwMDAwMDAwMDAwMQA=',
      timestamp: '1750857700',
      type: 'text',
      text: { body: 'hello' },
    };
    expect(inboundOf(text)[0]).not.toHaveProperty('refersTo');
    const odd = { ...text, id: `${text.id}x`, type: 'reaction', reaction: { message_id: 42 } };
    expect(inboundOf(odd)[0]).not.toHaveProperty('refersTo');
  });
});
