import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, registered by the local stack, the tests and docker-compose, and
 * upserted by workflows so operators can filter in the Temporal Web UI. The dev server's SQLite
 * visibility store has 10 Keyword slots per namespace: this list must stay within that.
 * Values are not encrypted by codecs: never put message content or secrets here.
 */
export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const SessionIdKey = defineSearchAttributeKey('SessionId', SearchAttributeType.KEYWORD);
export const SessionStatusKey = defineSearchAttributeKey('SessionStatus', SearchAttributeType.KEYWORD);
export const SenderIdKey = defineSearchAttributeKey('SenderId', SearchAttributeType.KEYWORD);
export const RecipientKey = defineSearchAttributeKey('Recipient', SearchAttributeType.KEYWORD);
export const MessageStatusKey = defineSearchAttributeKey('MessageStatus', SearchAttributeType.KEYWORD);
export const ProviderKey = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const ProviderMessageIdKey = defineSearchAttributeKey(
  'ProviderMessageId',
  SearchAttributeType.KEYWORD,
);
export const OnboardingStatusKey = defineSearchAttributeKey('OnboardingStatus', SearchAttributeType.KEYWORD);
/** A broadcast's status (issue 18): the tenth and last Keyword slot of the dev server's SQLite store. */
export const BroadcastStatusKey = defineSearchAttributeKey('BroadcastStatus', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [
  TenantIdKey,
  SessionIdKey,
  SessionStatusKey,
  SenderIdKey,
  RecipientKey,
  MessageStatusKey,
  ProviderKey,
  ProviderMessageIdKey,
  OnboardingStatusKey,
  BroadcastStatusKey,
] as const;

/** `--search-attribute Name=Keyword` flags for `temporal server start-dev`. */
export function searchAttributeCliFlags(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]);
}
