import { z } from 'zod';

/**
 * The provider-neutral message content, with WhatsApp's platform limits (Meta Cloud API docs,
 * see reference/official-platform.md A1). One shape per type, keyed by the type's name; adapters
 * map it to their wire format.
 */
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048);
const mediaId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be a media id');

function media<T extends z.ZodRawShape>(extra: T) {
  return z
    .strictObject({ link: httpsUrl.optional(), id: mediaId.optional(), ...extra })
    .refine((m: { link?: unknown; id?: unknown }) => (m.link === undefined) !== (m.id === undefined), {
      message: 'exactly one of link (https) or id is required',
    });
}

const caption = z.string().min(1).max(1024);

export const textContent = z.strictObject({
  body: z.string().min(1).max(4096),
  previewUrl: z.boolean().optional(),
});
export const imageContent = media({ caption: caption.optional() });
export const videoContent = media({ caption: caption.optional() });
export const audioContent = media({});
export const documentContent = media({
  caption: caption.optional(),
  filename: z.string().min(1).max(240).optional(),
});

/**
 * A number, or a decimal in a string (HTML forms send those); never `z.coerce`, which read `""`,
 * `" "`, `[]` and `null` as 0 and `true` as 1.
 */
const coordinate = (max: number) => {
  const rule = `must be a number from -${max} to ${max}`;
  return z
    .union([z.number(), z.string().regex(/^-?\d{1,3}(?:\.\d{1,15})?$/, rule)], { error: rule })
    .transform(Number)
    .pipe(z.number().min(-max, rule).max(max, rule));
};
export const locationContent = z.strictObject({
  latitude: coordinate(90),
  longitude: coordinate(180),
  name: z.string().min(1).max(1000).optional(),
  address: z.string().min(1).max(1000).optional(),
});

/** Template parameters pass through as Meta documents them; we check their envelope, Meta checks the rest. */
const templateParameter = z.looseObject({ type: z.string().min(1).max(40) });
const templateComponent = z.strictObject({
  type: z.enum(['header', 'body', 'button', 'footer']),
  subType: z.string().min(1).max(40).optional(),
  index: z.coerce.string().regex(/^\d$/, 'must be 0-9').optional(),
  parameters: z.array(templateParameter).max(100).optional(),
});
export const templateContent = z.strictObject({
  // Twilio senders name a Content template by its SID (HX + 32 hex), see src/providers/twilio/twilio.mapper.ts.
  name: z
    .string()
    .regex(
      /^(?:[a-z0-9_]{1,512}|HX[0-9a-fA-F]{32})$/,
      'must be a template name (lowercase letters, digits, _) or a Twilio Content SID (HX…)',
    ),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, 'must be a language code like en_US'),
  components: z.array(templateComponent).max(20).optional(),
});

const textHeader = z.strictObject({ type: z.literal('text'), text: z.string().min(1).max(60) });
const noEdgeSpaces = (s: string) => s === s.trim();

export const buttonsContent = z
  .strictObject({
    header: textHeader.optional(),
    body: z.string().min(1).max(1024),
    footer: z.string().min(1).max(60).optional(),
    buttons: z
      .array(
        z.strictObject({
          id: z.string().min(1).max(256).refine(noEdgeSpaces, 'must not start or end with spaces'),
          title: z.string().min(1).max(20),
        }),
      )
      .min(1)
      .max(3),
  })
  .superRefine((c, ctx) => {
    for (const key of ['id', 'title'] as const) {
      const seen = new Set<string>();
      c.buttons.forEach((b, i) => {
        if (seen.has(b[key]))
          ctx.addIssue({ code: 'custom', path: ['buttons', i, key], message: `duplicate button ${key}` });
        seen.add(b[key]);
      });
    }
  });

export const listContent = z
  .strictObject({
    header: textHeader.optional(),
    body: z.string().min(1).max(1024),
    footer: z.string().min(1).max(60).optional(),
    button: z.string().min(1).max(20),
    sections: z
      .array(
        z.strictObject({
          title: z.string().min(1).max(24).optional(),
          rows: z
            .array(
              z.strictObject({
                id: z.string().min(1).max(200),
                title: z.string().min(1).max(24),
                description: z.string().min(1).max(72).optional(),
              }),
            )
            .min(1),
        }),
      )
      .min(1)
      .max(10),
  })
  .superRefine((c, ctx) => {
    const rows = c.sections.flatMap((s) => s.rows);
    if (rows.length > 10)
      ctx.addIssue({ code: 'custom', path: ['sections'], message: 'at most 10 rows in total' });
    if (c.sections.length > 1)
      c.sections.forEach((s, i) => {
        if (!s.title)
          ctx.addIssue({
            code: 'custom',
            path: ['sections', i, 'title'],
            message: 'required when more than one section',
          });
      });
    const ids = new Set<string>();
    for (const r of rows) {
      if (ids.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['sections'], message: `duplicate row id ${r.id}` });
      ids.add(r.id);
    }
  });

export const messageContent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: textContent }),
  z.strictObject({ type: z.literal('image'), image: imageContent }),
  z.strictObject({ type: z.literal('document'), document: documentContent }),
  z.strictObject({ type: z.literal('audio'), audio: audioContent }),
  z.strictObject({ type: z.literal('video'), video: videoContent }),
  z.strictObject({ type: z.literal('location'), location: locationContent }),
  z.strictObject({ type: z.literal('template'), template: templateContent }),
  z.strictObject({ type: z.literal('interactive_buttons'), interactive_buttons: buttonsContent }),
  z.strictObject({ type: z.literal('interactive_list'), interactive_list: listContent }),
]);

export type MessageContent = z.output<typeof messageContent>;
