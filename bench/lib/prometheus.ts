/** A minimal Prometheus text-format reader: enough to sum counters by label before and after a scenario. */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include `filter`. */
export function sumOf(samples: PromSample[], name: string, filter: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(filter).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** The counters the benchmark reports, read from a /metrics text. */
export interface CounterSnapshot {
  krr: number;
  admin: number;
  tokenPosts: number;
  graphql: number;
  graphqlNotSuccess: number;
  /** Person rate-limit decisions made by the per-replica fallback because Redis did not answer (REDIS_URL only). */
  rateLimitFallbacks: number;
}

export function counters(samples: PromSample[]): CounterSnapshot {
  const upstream = 'facade_upstream_requests_total';
  const graphql = sumOf(samples, 'facade_graphql_requests_total');
  return {
    krr: sumOf(samples, upstream, { upstream: 'krr' }),
    admin: sumOf(samples, upstream, { upstream: 'admin' }),
    tokenPosts: sumOf(samples, upstream, { upstream: 'maskinporten', method: 'POST' }),
    graphql,
    graphqlNotSuccess: graphql - sumOf(samples, 'facade_graphql_requests_total', { outcome: 'success' }),
    rateLimitFallbacks: sumOf(samples, 'facade_rate_limit_fallback_total'),
  };
}

export function delta(after: CounterSnapshot, before: CounterSnapshot): CounterSnapshot {
  return {
    krr: after.krr - before.krr,
    admin: after.admin - before.admin,
    tokenPosts: after.tokenPosts - before.tokenPosts,
    graphql: after.graphql - before.graphql,
    graphqlNotSuccess: after.graphqlNotSuccess - before.graphqlNotSuccess,
    rateLimitFallbacks: after.rateLimitFallbacks - before.rateLimitFallbacks,
  };
}
