import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../connection';
import { DomainError } from '../../domain/errors';
import type { SecretBox } from '../../security/secret-box';
import { senderModel, type SenderDoc } from '../models/sender.model';

export interface SenderView {
  id: string;
  provider: 'meta';
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  createdAt: Date;
}

const view = (d: SenderDoc): SenderView => ({
  id: d.senderId,
  provider: d.provider,
  phoneNumberId: d.phoneNumberId,
  wabaId: d.wabaId,
  displayPhoneNumber: d.displayPhoneNumber,
  createdAt: d.createdAt,
});

/** Official senders (existing Meta Cloud API numbers). Tokens are sealed at rest and only opened for the adapter. */
export function createSenderRepository(conn: Connection, box: SecretBox) {
  const Sender = senderModel(conn);
  const aad = (tenantId: string, senderId: string) => `${tenantId}:${senderId}`;

  return {
    async register(
      tenantId: string,
      s: {
        senderId: string;
        phoneNumberId: string;
        wabaId: string;
        displayPhoneNumber: string;
        accessToken: string;
      },
    ): Promise<SenderView> {
      const now = new Date();
      const doc: SenderDoc = {
        _id: `${tenantId}:${s.senderId}`,
        tenantId,
        senderId: s.senderId,
        provider: 'meta',
        phoneNumberId: s.phoneNumberId,
        wabaId: s.wabaId,
        displayPhoneNumber: s.displayPhoneNumber,
        accessTokenSealed: box.seal(s.accessToken, aad(tenantId, s.senderId)),
        createdAt: now,
        updatedAt: now,
      };
      try {
        await Sender.create(doc);
      } catch (err) {
        if (isDuplicateKeyError(err))
          throw new DomainError(
            'conflict',
            'sender_exists',
            'A sender with this id or phone number id is already registered',
          );
        throw err;
      }
      return view(doc);
    },

    async get(tenantId: string, senderId: string): Promise<SenderView | null> {
      const d = await Sender.findOne({ _id: `${tenantId}:${senderId}`, tenantId }).lean<SenderDoc>();
      return d ? view(d) : null;
    },

    async list(tenantId: string): Promise<SenderView[]> {
      const docs = await Sender.find({ tenantId }).sort({ createdAt: -1 }).lean<SenderDoc[]>();
      return docs.map(view);
    },

    /** Every tenant's senders, ids only (the credential-validity gauge of GET /metrics). */
    async listAllIds(): Promise<Array<{ tenantId: string; senderId: string; provider: string }>> {
      const docs = await Sender.find({}, { tenantId: 1, senderId: 1, provider: 1 })
        .sort({ _id: 1 })
        .lean<Array<Pick<SenderDoc, 'tenantId' | 'senderId' | 'provider'>>>();
      return docs.map((d) => ({ tenantId: d.tenantId, senderId: d.senderId, provider: d.provider }));
    },

    /**
     * Every tenant's senders for the health sweep's credential check; the token is opened only
     * when `token()` is called (one sender whose seal fails fails only its own check).
     */
    async listAllForCheck(): Promise<
      Array<{ tenantId: string; senderId: string; provider: string; token: () => string }>
    > {
      const docs = await Sender.find({}).sort({ _id: 1 }).lean<SenderDoc[]>();
      return docs.map((d) => ({
        tenantId: d.tenantId,
        senderId: d.senderId,
        provider: d.provider,
        token: () => box.open(d.accessTokenSealed, aad(d.tenantId, d.senderId)),
      }));
    },

    /** Which tenant's sender a Meta phone number id is (inbound webhooks carry only that). */
    async findByPhoneNumberId(phoneNumberId: string): Promise<{ tenantId: string; senderId: string } | null> {
      const d = await Sender.findOne({ phoneNumberId }, { tenantId: 1, senderId: 1 }).lean<
        Pick<SenderDoc, 'tenantId' | 'senderId'>
      >();
      return d ? { tenantId: d.tenantId, senderId: d.senderId } : null;
    },

    async metaCredentials(
      tenantId: string,
      senderId: string,
    ): Promise<{ phoneNumberId: string; accessToken: string } | null> {
      const d = await Sender.findOne({ _id: `${tenantId}:${senderId}`, tenantId }).lean<SenderDoc>();
      if (!d) return null;
      return {
        phoneNumberId: d.phoneNumberId,
        accessToken: box.open(d.accessTokenSealed, aad(tenantId, senderId)),
      };
    },
  };
}

export type SenderRepository = ReturnType<typeof createSenderRepository>;
