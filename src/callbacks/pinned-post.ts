import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { PinnedTarget } from './callback-target';

export interface PinnedPostResult {
  status: number;
  /** Why the body was not read to its end: over the cap, past the deadline, or the connection broke; null = read whole. */
  cut: 'size' | 'deadline' | 'error' | null;
}

/** The request was aborted (wall clock or cancellation) before the response's headers arrived. */
export class CallbackAborted extends Error {
  override name = 'CallbackAborted';
}

/**
 * A `lookup` for node:net that answers the addresses already resolved and checked, whatever name
 * it is asked: the connection goes where the check looked, never to a second DNS answer.
 */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, addresses);
      return;
    }
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  };
}

/**
 * POSTs `body` to a pinned target with node:http(s): the Host header and TLS SNI (and certificate
 * check) are the URL's host name, the socket goes to the pinned address. No redirect is followed.
 * `signal` bounds the whole exchange (connect, headers, body); once the headers are in, the status
 * decides and the body is only drained — at most `maxResponseBytes`, never past the deadline —
 * then the socket is destroyed, so a huge or drip-fed answer costs neither memory nor time.
 */
export function postPinned(opts: {
  target: PinnedTarget;
  body: string;
  headers: Record<string, string>;
  maxResponseBytes: number;
  signal: AbortSignal;
}): Promise<PinnedPostResult> {
  const { url } = opts.target;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | null = null;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      req.destroy();
      fn();
    };
    const onAbort = () => {
      const status = response?.statusCode;
      if (status !== undefined) settle(() => resolve({ status, cut: 'deadline' }));
      else settle(() => reject(new CallbackAborted(abortReason(opts.signal))));
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
        lookup: pinnedLookup(opts.target.addresses),
        agent: false,
      },
      (res) => {
        response = res;
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > opts.maxResponseBytes) settle(() => resolve({ status, cut: 'size' }));
        });
        res.on('end', () => settle(() => resolve({ status, cut: null })));
        // The status line is in: a body that breaks off does not change what the receiver answered.
        res.on('error', () => settle(() => resolve({ status, cut: 'error' })));
      },
    );
    req.on('error', (err) => settle(() => reject(err)));
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort);
    req.end(opts.body);
  });
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return 'no answer within the time limit';
  return reason instanceof Error ? reason.message : 'cancelled';
}
