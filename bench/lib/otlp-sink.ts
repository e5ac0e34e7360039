/**
 * An OTLP/HTTP trace receiver that discards what it gets, for the tracing-on benchmark: answers every export at once
 * and only counts the requests, the bytes and the spans (walked in the protobuf framing, never decoded).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkCounts {
  requests: number;
  bytes: number;
  spans: number;
}

export interface OtlpSink {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT: http://127.0.0.1:PORT */
  url: string;
  counts(): SinkCounts;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const counts: SinkCounts = { requests: 0, bytes: 0, spans: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      counts.requests++;
      counts.bytes += body.length;
      if (String(req.headers['content-type']).includes('protobuf')) {
        try {
          counts.spans += countSpans(body);
        } catch {
          // counted as a request without spans
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** ExportTraceServiceRequest: resource_spans (1) → scope_spans (2) → spans (2), counted. */
function countSpans(body: Buffer): number {
  let spans = 0;
  for (const resourceSpans of lengthDelimited(body, 1)) {
    for (const scopeSpans of lengthDelimited(resourceSpans, 2)) spans += lengthDelimited(scopeSpans, 2).length;
  }
  return spans;
}

/** The LEN fields numbered `field` of one message, skipping every other field. */
function lengthDelimited(buf: Buffer, field: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  const varint = () => {
    let value = 0;
    let factor = 1;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated');
      value += (byte & 0x7f) * factor;
      if ((byte & 0x80) === 0) return value;
      factor *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const wire = tag % 8;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      if (Math.floor(tag / 8) === field) out.push(buf.subarray(pos, pos + len));
      pos += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
