import { WHATSAPP_WEB_PROVIDER } from '../../../domain/gateway-event';
import { ProviderError } from '../../errors';

/**
 * Media sent through a WhatsApp Web gateway: by its https link only (the gateways download it;
 * a Meta media id means nothing to them), with a file name and a MIME type when the gateway wants
 * them (WAHA's `file.mimetype` is required, `RemoteFile` in its `files.dto.ts`).
 */
export interface GatewayMedia<T extends string | undefined = string> {
  url: string;
  filename: string;
  /** From the file name's extension, else the fallback given (undefined: the gateway finds it). */
  mimetype: string | T;
}

const TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
};

/** The last segment of a URL's path, decoded ('' when there is none). */
function basename(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').pop() ?? '';
    return decodeURIComponent(last);
  } catch {
    return '';
  }
}

/**
 * `link` as a gateway file: the name given, else the URL's own, else `fallbackName`; the MIME type
 * from that name's extension, else `fallbackType` (image/jpeg for images: WhatsApp shows JPEG).
 */
export function gatewayMedia<T extends string | undefined>(
  gateway: string,
  media: { link?: string; id?: string; filename?: string },
  fallbackName: string,
  fallbackType: T,
): GatewayMedia<T> {
  if (media.link === undefined)
    throw new ProviderError('invalid_request', `${gateway} sends media by https link only, not by media id`, {
      provider: WHATSAPP_WEB_PROVIDER,
      code: 'media_link_required',
    });
  const filename = media.filename ?? (basename(media.link) || fallbackName);
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(filename)?.[1]?.toLowerCase();
  return { url: media.link, filename, mimetype: (ext && TYPES[ext]) || fallbackType };
}
