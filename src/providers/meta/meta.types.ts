/** Meta Cloud API wire shapes (reference/official-platform.md A1–A3). Never exported beyond this folder's users. */
export interface MetaMedia {
  id?: string;
  link?: string;
  caption?: string;
  filename?: string;
}

export interface MetaSendRequest {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  type: string;
  biz_opaque_callback_data?: string;
  [content: string]: unknown;
}

export interface MetaSendResponse {
  messaging_product: 'whatsapp';
  contacts?: { input: string; wa_id: string }[];
  messages: { id: string; message_status?: string }[];
}

export interface MetaGraphError {
  error: {
    message: string;
    type?: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product?: string; details?: string };
    is_transient?: boolean;
    fbtrace_id?: string;
  };
}
