import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logging/logger';

/** A real pino logger whose lines are captured, so tests can assert what is (and is not) logged. */
export function captureLogger(): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', name: 'test' }, stream);
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
}
