/**
 * Decodes an `aws-chunked` request body: `<hex size>[;chunk-signature=..]\r\n<data>\r\n` chunks,
 * a zero-size chunk, then optional trailing headers (`x-amz-checksum-crc32:...`) and a blank line.
 * The SDK sends this for streamed bodies with `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`.
 * Chunk signatures of signed streaming payloads are not verified.
 */
import { AwsError } from '../protocol.js';

export interface DecodedChunkedBody {
  payload: Buffer;
  /** Trailing headers, names lower-cased. */
  trailers: Record<string, string>;
}

export function decodeAwsChunkedBody(body: Buffer): DecodedChunkedBody {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) throw incomplete();
    const sizeText = body.subarray(offset, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw incomplete();
    const size = Number.parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size > body.length) throw incomplete();
    chunks.push(body.subarray(offset, offset + size));
    offset += size;
    if (body.subarray(offset, offset + 2).toString('latin1') !== '\r\n') throw incomplete();
    offset += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(offset).toString('utf8').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { payload: Buffer.concat(chunks), trailers };
}

function incomplete(): AwsError {
  return new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);
}
