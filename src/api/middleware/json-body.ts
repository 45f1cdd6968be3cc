import express, { type RequestHandler } from 'express';
import { MAX_JSON_DEPTH, storableJsonIssues } from '../../schemas/storable-json';
import { HttpProblem } from './errors';
import { ValidationFailed } from './validate';

export const JSON_TYPES = ['application/json', 'application/*+json'];

/** A request carries a body when it says so: a non-zero Content-Length or a chunked transfer. */
function sendsBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/** 415 for a body that is not JSON (it was answered 400 "received undefined" before). */
const requireJson: RequestHandler = (req, _res, next) => {
  if (sendsBody(req.headers) && !req.is(JSON_TYPES)) {
    const given = req.headers['content-type'];
    throw new HttpProblem(
      415,
      'unsupported_media_type',
      given
        ? `Content-Type ${given} is not supported: send application/json`
        : 'A request body needs Content-Type: application/json',
    );
  }
  next();
};

/** The parsed body is a JSON object that can be stored (see src/schemas/storable-json.ts). */
const requireStorableObject: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (body === undefined) return next();
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationFailed([{ field: 'body', rule: 'invalid_type', message: 'must be a JSON object' }]);
  const issues = storableJsonIssues(body, MAX_JSON_DEPTH);
  if (issues.length > 0)
    throw new ValidationFailed(
      issues.map((i) => ({ field: ['body', ...i.path].join('.'), rule: i.rule, message: i.message })),
    );
  next();
};

/**
 * The JSON body parser of the `/v1` API: JSON only (415 otherwise), a JSON object only (a bare
 * `null`, array or number is a 400 saying so, not "not valid JSON"), nested at most
 * MAX_JSON_DEPTH levels, no NUL characters, no `$`-prefixed or dotted keys. Webhooks parse their
 * own bodies: providers send what they send, and their routes decide what to keep.
 */
export function v1JsonBody(opts: { limit: string }): RequestHandler[] {
  return [
    requireJson,
    express.json({ limit: opts.limit, strict: false, type: JSON_TYPES }),
    requireStorableObject,
  ];
}
