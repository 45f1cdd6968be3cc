import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a logged object. Secrets must never reach a log:
 * auth headers, provider tokens, keys, webhook signatures, and anything named like a secret.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-master-key"]',
  'req.headers.apikey',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-webhook-secret"]',
  'req.headers["x-dw-webhook-secret"]',
  '*.webhookSecret',
  'req.headers.cookie',
  '*.token',
  '*.accessToken',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.authToken',
  '*.sessionToken',
  'token',
  'accessToken',
  'apiKey',
  'secret',
];

export function createLogger(
  opts: { level: string; name: string },
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
