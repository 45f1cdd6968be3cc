/**
 * 360dialog wire shapes (reference/official-platform.md B). The send body and the success answer
 * are Meta Cloud API shapes (src/providers/meta/meta.types.ts); Meta errors pass through in Graph
 * shape. Only 360dialog's own error envelopes live here.
 */

/** `{"meta":{"success":false,"http_code":400,"developer_message":"…","details":[…]}}` */
export interface Dialog360MetaError {
  meta: {
    success: false;
    http_code?: number;
    developer_message?: string;
    details?: unknown[];
    '360dialog_trace_id'?: string;
  };
}

/** `{"error":"Invalid request"}` */
export interface Dialog360PlainError {
  error: string;
}

export interface Dialog360Credentials {
  /** The channel's `D360-API-KEY` (one key per number). */
  apiKey: string;
}
