// AWS event stream framing (application/vnd.amazon.eventstream), read from a fetch body:
// each message is a prelude (total length, headers length, CRC), headers, a payload and
// a CRC. https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
const decoder = new TextDecoder();
// Value sizes by header type: 0/1 bool (none), 2 byte, 3 short, 4 int, 5 long,
// 6 bytes and 7 string (2-byte length first), 8 timestamp, 9 uuid.
const FIXED = { 0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16 };

function readHeaders(view, bytes, start, end) {
  const headers = {};
  let at = start;
  while (at < end) {
    const nameLength = bytes[at];
    const name = decoder.decode(bytes.subarray(at + 1, at + 1 + nameLength));
    at += 1 + nameLength;
    const type = bytes[at];
    at += 1;
    if (type === 6 || type === 7) {
      const length = view.getUint16(at);
      const value = bytes.subarray(at + 2, at + 2 + length);
      headers[name] = type === 7 ? decoder.decode(value) : value;
      at += 2 + length;
    } else {
      headers[name] = type === 0 ? true : type === 1 ? false : null;
      at += FIXED[type] ?? 0;
    }
  }
  return headers;
}

/** Yields {headers, payload} for each message of `body` (a ReadableStream). */
export async function* messages(body) {
  const reader = body.getReader();
  let buffer = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const joined = new Uint8Array(buffer.length + value.length);
    joined.set(buffer);
    joined.set(value, buffer.length);
    buffer = joined;
    while (buffer.length >= 12) {
      const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const total = view.getUint32(0);
      if (buffer.length < total) break;
      const headersLength = view.getUint32(4);
      const headers = readHeaders(view, buffer, 12, 12 + headersLength);
      const payload = decoder.decode(buffer.subarray(12 + headersLength, total - 4));
      yield { headers, payload };
      buffer = buffer.slice(total);
    }
  }
}
