import type { RequestHandler, Response } from 'express';
import { DomainError } from '../../domain/errors';

export interface Authenticator {
  authenticate(token: string): Promise<{ tenantId: string; keyId: string } | null>;
}

export interface AuthContext {
  tenantId: string;
  keyId: string;
}

/** `Authorization: Bearer <api key>` → the key's tenant, on `res.locals.auth`. */
export function requireApiKey(keys: Authenticator): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || header.trim() === '')
      throw new DomainError('unauthorized', 'unauthorized', 'Missing Authorization: Bearer <api key> header');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m)
      // The header is not echoed: a key sent without its scheme would be its first word.
      throw new DomainError(
        'unauthorized',
        'unauthorized',
        /^\s*bearer\b/i.test(header)
          ? 'Authorization: Bearer must be followed by exactly one API key'
          : 'Authorization must use the Bearer scheme: Bearer <api key>',
      );
    const auth = await keys.authenticate(m[1] as string);
    if (!auth) throw new DomainError('unauthorized', 'invalid_api_key', 'API key is invalid or revoked');
    res.locals.auth = auth satisfies AuthContext;
    next();
  };
}

export function authOf(res: Response): AuthContext {
  const auth = res.locals.auth as AuthContext | undefined;
  if (!auth) throw new DomainError('unauthorized', 'unauthorized', 'Not authenticated');
  return auth;
}
