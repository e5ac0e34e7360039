/**
 * A local OTLP/HTTP trace receiver for tests: `POST /v1/traces` in protobuf (`application/x-protobuf`, decoded here
 * from the wire format, independently of the SDK's own encoder) or JSON (`application/json`), gzip or not. Keeps every
 * raw body (to search for what must never be exported) and every span, flattened.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type AttributeValue = string | number | boolean | bigint | AttributeValue[] | Uint8Array | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** 1 internal, 2 server, 3 client (OTLP SpanKind). */
  kind: number;
  attributes: Record<string, AttributeValue>;
  events: { name: string; attributes: Record<string, AttributeValue> }[];
  links: number;
  status: { code: number; message: string };
  resource: Record<string, AttributeValue>;
  scope: string;
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:PORT */
  url: string;
  spans: ReceivedSpan[];
  /** Each export request's body as received (decompressed), with its content type. */
  bodies: { contentType: string; body: Buffer }[];
  /** Waits until `predicate(spans)` holds (polling), or throws after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: OtlpReceiver['bodies'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const contentType = String(req.headers['content-type'] ?? '');
      bodies.push({ contentType, body });
      try {
        if (contentType.includes('json')) {
          spans.push(...fromJson(JSON.parse(body.toString('utf8')) as JsonRequest));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else {
          spans.push(...fromProtobuf(body));
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        }
      } catch (err) {
        res.writeHead(400).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > deadline) {
          throw new Error(`spans not received in time; got: ${spans.map((s) => s.name).join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- protobuf (opentelemetry/proto/collector/trace/v1 ExportTraceServiceRequest) ------------------------------------

type Field = { no: number; wire: number; value: bigint | Buffer };

/** The fields of one protobuf message, in order: varints and fixed64 as bigint, LEN and fixed32 as bytes. */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 1) {
      out.push({ no, wire, value: buf.readBigUInt64LE(pos) });
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      out.push({ no, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      out.push({ no, wire, value: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const bytesOf = (f: Field) => f.value as Buffer;
const str = (f: Field) => bytesOf(f).toString('utf8');

function anyValue(buf: Buffer): AttributeValue {
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1:
        return str(f);
      case 2:
        return f.value === 1n;
      case 3: {
        const v = BigInt.asIntN(64, f.value as bigint);
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 4: {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(f.value as bigint);
        return b.readDoubleLE(0);
      }
      case 5:
        return fields(bytesOf(f))
          .filter((v) => v.no === 1)
          .map((v) => anyValue(bytesOf(v)));
      case 6:
        return [JSON.stringify(keyValues(fields(bytesOf(f)).filter((v) => v.no === 1)))];
      case 7:
        return new Uint8Array(bytesOf(f));
    }
  }
  return null;
}

function keyValues(list: Field[]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list) {
    let key = '';
    let value: AttributeValue = null;
    for (const f of fields(bytesOf(kv))) {
      if (f.no === 1) key = str(f);
      if (f.no === 2) value = anyValue(bytesOf(f));
    }
    out[key] = value;
  }
  return out;
}

function fromProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of fields(body).filter((f) => f.no === 1)) {
    let resource: Record<string, AttributeValue> = {};
    const scopeSpans: Buffer[] = [];
    for (const f of fields(bytesOf(rs))) {
      if (f.no === 1) resource = keyValues(fields(bytesOf(f)).filter((a) => a.no === 1));
      if (f.no === 2) scopeSpans.push(bytesOf(f));
    }
    for (const ss of scopeSpans) {
      let scope = '';
      for (const f of fields(ss)) {
        if (f.no === 1)
          scope = str(fields(bytesOf(f)).find((s) => s.no === 1) ?? { no: 1, wire: 2, value: Buffer.alloc(0) });
        if (f.no !== 2) continue;
        const span: ReceivedSpan = {
          traceId: '',
          spanId: '',
          parentSpanId: '',
          traceState: '',
          name: '',
          kind: 0,
          attributes: {},
          events: [],
          links: 0,
          status: { code: 0, message: '' },
          resource,
          scope,
        };
        const attributes: Field[] = [];
        for (const s of fields(bytesOf(f))) {
          if (s.no === 1) span.traceId = bytesOf(s).toString('hex');
          else if (s.no === 2) span.spanId = bytesOf(s).toString('hex');
          else if (s.no === 3) span.traceState = str(s);
          else if (s.no === 4) span.parentSpanId = bytesOf(s).toString('hex');
          else if (s.no === 5) span.name = str(s);
          else if (s.no === 6) span.kind = Number(s.value);
          else if (s.no === 9) attributes.push(s);
          else if (s.no === 11) {
            const event = { name: '', attributes: [] as Field[] };
            for (const e of fields(bytesOf(s))) {
              if (e.no === 2) event.name = str(e);
              if (e.no === 3) event.attributes.push(e);
            }
            span.events.push({ name: event.name, attributes: keyValues(event.attributes) });
          } else if (s.no === 13) span.links++;
          else if (s.no === 15) {
            for (const st of fields(bytesOf(s))) {
              if (st.no === 2) span.status.message = str(st);
              if (st.no === 3) span.status.code = Number(st.value);
            }
          }
        }
        span.attributes = keyValues(attributes);
        out.push(span);
      }
    }
  }
  return out;
}

// ---- JSON (the OTLP/HTTP JSON encoding: ids in hex, enums as numbers) -----------------------------------------------

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
  bytesValue?: string;
}
interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind?: number;
  attributes?: JsonKeyValue[];
  events?: { name: string; attributes?: JsonKeyValue[] }[];
  links?: unknown[];
  status?: { code?: number; message?: string };
}
interface JsonRequest {
  resourceSpans?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: JsonSpan[] }[];
  }[];
}

function jsonValue(v: JsonAnyValue | undefined): AttributeValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonValue);
  if (v.kvlistValue) return [JSON.stringify(jsonAttributes(v.kvlistValue.values))];
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue, 'base64');
  return null;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) out[kv.key] = jsonValue(kv.value);
  return out;
}

function fromJson(request: JsonRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          traceState: s.traceState ?? '',
          name: s.name,
          kind: s.kind ?? 0,
          attributes: jsonAttributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: jsonAttributes(e.attributes) })),
          links: s.links?.length ?? 0,
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}
