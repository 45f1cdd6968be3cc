import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../connection';
import { DomainError } from '../../domain/errors';
import type { SenderCredentials } from '../../domain/official-sender';
import { metaOfficial } from '../../providers/meta/meta.official';
import { officialOf, type OfficialProvider } from '../../providers/official-providers';
import type { SecretBox } from '../../security/secret-box';
import { cachedRead } from '../read-cache';
import { senderModel, type SenderDoc } from '../models/sender.model';
import type { Page, PageCursor } from '../../domain/page-cursor';
import { afterCursor, newestFirst, pageOf } from '../paging';

export interface SenderView {
  id: string;
  provider: OfficialProvider;
  phoneNumberId: string | null;
  wabaId: string | null;
  displayPhoneNumber: string;
  /** 360dialog channel id or Twilio account SID. */
  accountId: string | null;
  onboardingId: string | null;
  createdAt: Date;
}

const view = (d: SenderDoc): SenderView => ({
  id: d.senderId,
  provider: d.provider,
  phoneNumberId: d.phoneNumberId,
  wabaId: d.wabaId,
  displayPhoneNumber: d.displayPhoneNumber,
  accountId: d.accountId,
  onboardingId: d.onboardingId,
  createdAt: d.createdAt,
});

/** A Meta number registered by hand (`POST /v1/senders`) — the shape issue 4 introduced. */
export interface RegisterMetaSender {
  senderId: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  accessToken: string;
  /** When the provider confirmed ownership (see SenderDoc.verifiedAt); absent = unverified. */
  verifiedAt?: Date | null;
}

/** Any official sender, e.g. the last step of an onboarding. */
export interface RegisterSender {
  senderId: string;
  displayPhoneNumber: string;
  phoneNumberId?: string | null;
  wabaId?: string | null;
  /** 360dialog channel id (required for 360dialog); Twilio takes the account SID from the credentials. */
  channelId?: string;
  onboardingId?: string | null;
  /** When the provider confirmed ownership (see SenderDoc.verifiedAt); absent = unverified. */
  verifiedAt?: Date | null;
  credentials: SenderCredentials;
}

/** Who holds a routing key, seen from one tenant: nobody, that tenant, or another (never named). */
export type RoutingKeyHolder = 'free' | 'mine' | 'taken';

/** 409 for a number another tenant registered: says so without naming that tenant (issue 15). */
export const routingKeyTaken = () =>
  new DomainError('conflict', 'routing_key_taken', 'This number is already registered by another account');

/** The sender's routing key, as its provider makes it (src/providers/<vendor>/<vendor>.official.ts). */
export const routingKeyOf = (s: RegisterSender): string => officialOf(s.credentials.provider).routingKeyOf(s);

/**
 * Official senders. Credentials are sealed at rest and only opened for an adapter or a webhook check.
 * `cacheMs` (the API's API_READ_CACHE_MS): how long `get` (every accepted message) and
 * `findByRoutingKey` (every webhook) reuse a sender found; a sender not found is read again each
 * time. A register or a remove through this repository is seen at once; one by another process
 * (an onboarding in the worker), within `cacheMs`.
 */
export function createSenderRepository(conn: Connection, box: SecretBox, opts: { cacheMs?: number } = {}) {
  const Sender = senderModel(conn);
  const aad = (tenantId: string, senderId: string) => `${tenantId}:${senderId}`;
  const open = (d: SenderDoc): SenderCredentials =>
    JSON.parse(box.open(d.credentialsSealed, aad(d.tenantId, d.senderId))) as SenderCredentials;
  const cache = { ttlMs: opts.cacheMs ?? 0, keep: (r: unknown) => r !== null };
  const byId = cachedRead(async (tenantId: string, senderId: string) => {
    const d = await Sender.findOne({ _id: `${tenantId}:${senderId}`, tenantId }).lean<SenderDoc>();
    return d ? view(d) : null;
  }, cache);
  const byRoutingKey = cachedRead(async (routingKey: string) => {
    const d = await Sender.findOne({ routingKey }, { tenantId: 1, senderId: 1, provider: 1 }).lean<
      Pick<SenderDoc, 'tenantId' | 'senderId' | 'provider'>
    >();
    return d ? { tenantId: d.tenantId, senderId: d.senderId, provider: d.provider } : null;
  }, cache);
  /** After a write through this repository: drops what was kept (a read overlapping the write too). */
  const changed = () => {
    byId.clear();
    byRoutingKey.clear();
  };

  return {
    /**
     * Registers a sender. A conflict (same id, or a number another sender has) is 409 — except for
     * the retry of the onboarding that created it, which gets its sender back with fresh credentials.
     */
    async register(tenantId: string, input: RegisterMetaSender | RegisterSender): Promise<SenderView> {
      const s: RegisterSender =
        'accessToken' in input
          ? { ...input, credentials: { provider: 'meta', accessToken: input.accessToken } }
          : input;
      const now = new Date();
      const c = s.credentials;
      const doc: SenderDoc = {
        _id: `${tenantId}:${s.senderId}`,
        tenantId,
        senderId: s.senderId,
        provider: c.provider,
        routingKey: routingKeyOf(s),
        phoneNumberId: s.phoneNumberId ?? null,
        wabaId: s.wabaId ?? null,
        displayPhoneNumber: s.displayPhoneNumber,
        accountId: c.provider === 'twilio' ? c.accountSid : (s.channelId ?? null),
        onboardingId: s.onboardingId ?? null,
        verifiedAt: s.verifiedAt ?? null,
        credentialsSealed: box.seal(JSON.stringify(c), aad(tenantId, s.senderId)),
        createdAt: now,
        updatedAt: now,
      };
      try {
        await Sender.create(doc);
        changed();
        return view(doc);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      if (s.onboardingId) {
        const mine = await Sender.findOneAndUpdate(
          { _id: doc._id, tenantId, onboardingId: s.onboardingId, routingKey: doc.routingKey },
          { $set: { credentialsSealed: doc.credentialsSealed, updatedAt: now } },
          { new: true },
        ).lean<SenderDoc>();
        changed();
        if (mine) return view(mine);
      }
      if ((await this.routingKeyHolder(tenantId, doc.routingKey)) === 'taken') throw routingKeyTaken();
      throw new DomainError(
        'conflict',
        'sender_exists',
        'A sender with this id or this number is already registered',
      );
    },

    /** Whether a routing key is free, this tenant's, or another tenant's (never which one). */
    async routingKeyHolder(tenantId: string, routingKey: string): Promise<RoutingKeyHolder> {
      const d = await Sender.findOne({ routingKey }, { tenantId: 1 }).lean<Pick<SenderDoc, 'tenantId'>>();
      if (!d) return 'free';
      return d.tenantId === tenantId ? 'mine' : 'taken';
    },

    /** Removes a sender (an onboarding's compensation removes only the sender it created). */
    async remove(tenantId: string, senderId: string, onlyIfOnboarding?: string): Promise<boolean> {
      const filter: Record<string, unknown> = { _id: `${tenantId}:${senderId}`, tenantId };
      if (onlyIfOnboarding !== undefined) filter.onboardingId = onlyIfOnboarding;
      const r = await Sender.deleteOne(filter);
      changed();
      return r.deletedCount > 0;
    },

    get: (tenantId: string, senderId: string): Promise<SenderView | null> => byId(tenantId, senderId),

    /** The tenant's senders, newest first, a page at a time. */
    async list(tenantId: string, f: { limit: number; cursor?: PageCursor }): Promise<Page<SenderView>> {
      const q = { tenantId, ...(f.cursor ? afterCursor('createdAt', f.cursor) : {}) };
      const docs = await Sender.find(q)
        .sort(newestFirst('createdAt'))
        .limit(f.limit + 1)
        .lean<SenderDoc[]>();
      return pageOf(docs, f.limit, (d) => d.createdAt, view);
    },

    /** Every tenant's senders, ids only (the credential-validity gauge of GET /metrics). */
    async listAllIds(): Promise<Array<{ tenantId: string; senderId: string; provider: string }>> {
      const docs = await Sender.find({}, { tenantId: 1, senderId: 1, provider: 1 })
        .sort({ _id: 1 })
        .lean<Array<Pick<SenderDoc, 'tenantId' | 'senderId' | 'provider'>>>();
      return docs.map((d) => ({ tenantId: d.tenantId, senderId: d.senderId, provider: d.provider }));
    },

    /**
     * Every tenant's senders for the health sweep's credential check; the credentials are opened
     * only when `credentials()` is called (one sender whose seal fails fails only its own check).
     */
    async listAllForCheck(): Promise<
      Array<{
        tenantId: string;
        senderId: string;
        provider: OfficialProvider;
        credentials: () => SenderCredentials;
      }>
    > {
      const docs = await Sender.find({}).sort({ _id: 1 }).lean<SenderDoc[]>();
      return docs.map((d) => ({
        tenantId: d.tenantId,
        senderId: d.senderId,
        provider: d.provider,
        credentials: () => open(d),
      }));
    },

    /** Which tenant's sender a webhook is for, by routing key (see OfficialPlatform.routingKey). */
    findByRoutingKey: (
      routingKey: string,
    ): Promise<{ tenantId: string; senderId: string; provider: OfficialProvider } | null> =>
      byRoutingKey(routingKey),

    /** Which tenant's sender a Meta phone number id is (Meta inbound webhooks carry only that). */
    async findByPhoneNumberId(phoneNumberId: string): Promise<{ tenantId: string; senderId: string } | null> {
      const d = await this.findByRoutingKey(metaOfficial.routingKey({ phoneNumberId }));
      return d ? { tenantId: d.tenantId, senderId: d.senderId } : null;
    },

    /**
     * Every *verified* sender on a WhatsApp Business Account (Meta account alerts name only the
     * WABA id; a WABA may hold several numbers): a sender whose ownership the provider never
     * confirmed gets no alert of the WABA it names (issue 15). Credentials stay sealed.
     */
    async findByWabaId(
      wabaId: string,
    ): Promise<Array<{ tenantId: string; senderId: string; displayPhoneNumber: string }>> {
      const docs = await Sender.find(
        { wabaId, verifiedAt: { $ne: null } },
        { tenantId: 1, senderId: 1, displayPhoneNumber: 1 },
      )
        .sort({ _id: 1 })
        .lean<Array<Pick<SenderDoc, 'tenantId' | 'senderId' | 'displayPhoneNumber'>>>();
      return docs.map((d) => ({
        tenantId: d.tenantId,
        senderId: d.senderId,
        displayPhoneNumber: d.displayPhoneNumber,
      }));
    },

    /**
     * A sender with its opened credentials, found by routing key — for webhook checks that need the
     * secret before they can trust anything (360dialog's header, Twilio's signature).
     */
    async withCredentialsByRoutingKey(
      routingKey: string,
    ): Promise<{ tenantId: string; sender: SenderView; credentials: SenderCredentials } | null> {
      const d = await Sender.findOne({ routingKey }).lean<SenderDoc>();
      return d ? { tenantId: d.tenantId, sender: view(d), credentials: open(d) } : null;
    },

    /** A sender with its opened credentials (adapters). */
    async withCredentials(
      tenantId: string,
      senderId: string,
    ): Promise<{ sender: SenderView; credentials: SenderCredentials } | null> {
      const d = await Sender.findOne({ _id: `${tenantId}:${senderId}`, tenantId }).lean<SenderDoc>();
      return d ? { sender: view(d), credentials: open(d) } : null;
    },

    async metaCredentials(
      tenantId: string,
      senderId: string,
    ): Promise<{ phoneNumberId: string; accessToken: string } | null> {
      const found = await this.withCredentials(tenantId, senderId);
      if (!found || found.credentials.provider !== 'meta' || !found.sender.phoneNumberId) return null;
      return { phoneNumberId: found.sender.phoneNumberId, accessToken: found.credentials.accessToken };
    },
  };
}

export type SenderRepository = ReturnType<typeof createSenderRepository>;
