import { lookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * Where a tenant's callback may point (issue 15: callbacks were an SSRF into our own network).
 * Checked when the URL is registered and again at every delivery, on every address its host
 * resolves to: https only, and only public unicast addresses — never loopback, private (10/8,
 * 172.16/12, 192.168/16), link-local (169.254/16 with the cloud metadata address, fe80::/10),
 * CGNAT (100.64/10), unique-local (fc00::/7), unspecified, multicast, broadcast, reserved or
 * documentation ranges, nor IPv6 forms that embed an IPv4 address (mapped, 6to4, NAT64), which
 * ipaddr.js classifies by their IPv4 address or refuses as their own range.
 */
export interface CallbackTargetPolicy {
  /** CALLBACK_ALLOW_HTTP: plain http for local development (the local stack and tests). */
  allowHttp: boolean;
  /** CALLBACK_ALLOW_PRIVATE_NETWORKS: loopback and private ranges for local development and tests. */
  allowPrivateNetworks: boolean;
}

/** The product default: https to public addresses only. */
export const STRICT_CALLBACK_POLICY: CallbackTargetPolicy = { allowHttp: false, allowPrivateNetworks: false };

/** A resolver with dns.lookup's answer: every address of a host name (injectable for tests). */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

/** The system resolver (getaddrinfo, /etc/hosts included), all addresses, in the system's order. */
export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) =>
    lookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/** Ranges a development setting may open (CALLBACK_ALLOW_PRIVATE_NETWORKS); the rest never are. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

export type CallbackTargetRule = 'https_required' | 'forbidden_address' | 'unresolvable_host' | 'invalid_url';

/** A callback URL we will not call, with the rule it breaks (the API answers 400 naming it). */
export class CallbackTargetRefused extends Error {
  override name = 'CallbackTargetRefused';
  constructor(
    readonly rule: CallbackTargetRule,
    message: string,
  ) {
    super(message);
  }
}

/** `null` when `address` may be called under `policy`, else the ipaddr.js range that forbids it. */
export function forbiddenRange(address: string, policy: CallbackTargetPolicy): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  // process(): an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const range = ipaddr.process(address).range();
  if (range === 'unicast') return null;
  if (policy.allowPrivateNetworks && PRIVATE_RANGES.has(range)) return null;
  return range;
}

function withinSignal<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface PinnedTarget {
  url: URL;
  /** The host name as written (the Host header and TLS SNI), or the literal address. */
  hostname: string;
  /** Every address the host resolved to, all checked: the connection goes to the first. */
  addresses: LookupAddress[];
}

/**
 * Parses and checks `rawUrl`, resolves its host once, refuses it if **any** address is forbidden
 * (an attacker's DNS may mix a public and a private answer), and returns the addresses to pin the
 * connection to — so the address checked is the address called (no second lookup to rebind).
 */
export async function resolveCallbackTarget(
  rawUrl: string,
  policy: CallbackTargetPolicy,
  resolve: HostResolver,
  /** Bounds the lookup (getaddrinfo can take tens of seconds): aborted = `unresolvable_host`. */
  signal?: AbortSignal,
): Promise<PinnedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new CallbackTargetRefused('invalid_url', 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:'))
    throw new CallbackTargetRefused(
      'https_required',
      policy.allowHttp ? 'must be an http(s) URL' : 'must be an https URL',
    );
  // WHATWG URL has already normalised 0x7f000001 and 2130706433 to 127.0.0.1; IPv6 keeps its brackets.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  if (ipaddr.isValid(hostname)) {
    addresses = [{ address: hostname, family: hostname.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await withinSignal(resolve(hostname), signal);
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      throw new CallbackTargetRefused('unresolvable_host', `host ${hostname} does not resolve (${code})`);
    }
    if (addresses.length === 0)
      throw new CallbackTargetRefused('unresolvable_host', `host ${hostname} has no address`);
  }
  for (const { address } of addresses) {
    const range = forbiddenRange(address, policy);
    if (range)
      throw new CallbackTargetRefused(
        'forbidden_address',
        `${hostname === address ? address : `${hostname} resolves to ${address}`}, a ${range} address: callbacks must reach a public address`,
      );
  }
  return { url, hostname, addresses };
}
