import { z } from 'zod';

/** `GET /v1/me` takes no parameters: any is refused (400 naming it), not silently ignored. */
export const meQuery = z.strictObject({});

/** `GET /v1/me` (OpenAPI only: the route builds it). */
export const meResponse = z
  .object({
    tenantId: z.string().meta({ description: "The API key's tenant: the middle part of its workflow ids" }),
    temporalUi: z
      .object({
        url: z.string().meta({ description: 'TEMPORAL_UI_URL, without a trailing slash' }),
        namespace: z.string(),
      })
      .nullable()
      .meta({
        description:
          'Where workflows open: `{url}/namespaces/{namespace}/workflows/{workflowId}` (workflow id URL-encoded); ' +
          'null when TEMPORAL_UI_URL is not set',
      }),
  })
  .meta({ id: 'Me' });
