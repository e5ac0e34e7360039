/** The benchmark's table and verdicts. */

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export interface Row {
  id: string;
  name: string;
  /** `reference`: neither direct nor the facade (the bare hop, bench/lib/bare-hop.ts). */
  kind: 'direct' | 'facade' | 'reference' | 'summary';
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Upstream (KRR + admin) HTTP requests per GraphQL request (direct rows: per logical call). */
  upstreamPerRequest?: number;
  /** Maskinporten token requests during the scenario. */
  tokenRequests?: number;
  /** Peak RSS of the facade process during the scenario (MB). */
  peakRssMb?: number;
  /** The row this one is compared with. */
  baseline?: string;
  /** Shown as is: "0.42×", "+1.3 ms". */
  ratio?: string;
  target?: string;
  verdict?: Verdict;
  /** Which of the issue's performance targets (1–5) this row decides. */
  targetNo?: number;
  /** Non-2xx, failed requests and GraphQL responses with errors. */
  errors?: number;
  note?: string;
  details?: Record<string, unknown>;
}

const fmt = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);

export function renderTable(rows: Row[]): string {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'up/req', 'tokens', 'RSS MB', 'vs', 'ratio', 'target', ''];
  const body = rows.map((r) => [
    `${r.id}  ${r.name}`,
    r.reqPerSec === undefined ? '—' : Math.round(r.reqPerSec).toString(),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.upstreamPerRequest, 3),
    r.tokenRequests === undefined ? '—' : String(r.tokenRequests),
    fmt(r.peakRssMb, 0),
    r.baseline ?? '',
    r.ratio ?? '',
    r.target ? `${r.targetNo ? `T${r.targetNo} ` : ''}${r.target}` : '',
    r.verdict && r.verdict !== 'n/a' ? r.verdict : (r.verdict ?? ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const numeric = new Set([1, 2, 3, 4, 5, 6]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}
