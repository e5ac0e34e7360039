import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * The Grafana dashboard (deploy/grafana/) and the Prometheus alert rules (deploy/prometheus/) name only metrics and
 * labels the facade exposes: every PromQL expression in them is read, and each metric it selects must have series on
 * /metrics after a sandbox run (look-ups, admin queries, a mutation, a retried KRR call), each label it matches or
 * groups by must be on those series (or be a label Prometheus adds when scraping). With promtool (Debian package
 * `prometheus`, installed by .ci/run) the rules are also checked and unit-tested by Prometheus itself.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DASHBOARD_FILE = join(ROOT, 'deploy/grafana/facade-dashboard.json');
const ALERTS_FILE = join(ROOT, 'deploy/prometheus/facade-alerts.yaml');
const ALERTS_TEST_FILE = join(ROOT, 'deploy/prometheus/facade-alerts.test.yaml');
const README_FILE = join(ROOT, 'README.md');

/** Labels Prometheus attaches to every scraped series: not on /metrics, usable in any selector. */
const TARGET_LABELS = new Set(['job', 'instance']);

// --- PromQL: the metric names and labels an expression uses ----------------------------------------------------------

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', ...GROUPING]);
const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);

interface Selector {
  metric: string;
  /** Label names in the selector's matchers. */
  labels: string[];
}

interface PromQLNames {
  selectors: Selector[];
  /** Label names in by/without/on/ignoring/group_left/group_right clauses. */
  grouping: string[];
}

/**
 * The metric selectors and grouping labels of a PromQL expression. A small tokenizer, not a parser: enough for
 * expressions written by hand (strings, ranges and `offset` carry no names and are dropped first; an identifier
 * followed by `(` is a function or an aggregation; one followed by `{` or standing alone is a metric).
 */
function promqlNames(expr: string): PromQLNames {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\boffset\s+-?[\w.]+/g, '');
  const tokens: string[] = text.match(/[A-Za-z_:][\w:]*|\d*\.?\d+(?:[eE][+-]?\d+)?|=~|!~|!=|==|>=|<=|[^\s\w]/g) ?? [];
  const selectors: Selector[] = [];
  const grouping: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const next = tokens[i + 1];
    if (!/^[A-Za-z_:]/.test(token)) continue;
    if (GROUPING.has(token)) {
      if (next === '(') {
        const end = tokens.indexOf(')', i);
        grouping.push(...tokens.slice(i + 2, end).filter((t) => t !== ','));
        i = end;
      }
      continue;
    }
    if (KEYWORDS.has(token) || next === '(') continue; // an operator, a function, an aggregation `sum(…)`
    if (AGGREGATIONS.has(token) && (next === 'by' || next === 'without')) continue; // `sum by (…) (…)`
    const labels: string[] = [];
    if (next === '{') {
      const end = tokens.indexOf('}', i);
      for (let j = i + 2; j < end; j++) if (MATCH_OPS.has(tokens[j + 1] as string)) labels.push(tokens[j] as string);
      i = end;
    }
    selectors.push({ metric: token, labels });
  }
  return { selectors, grouping };
}

// --- /metrics --------------------------------------------------------------------------------------------------------

interface Exposition {
  /** `# TYPE` per metric family. */
  types: Map<string, string>;
  /** Per sample name (`x_bucket`, `x_total`, …), the label names on its series. */
  series: Map<string, Set<string>>;
}

function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample) throw new Error(`unexpected /metrics line: ${line}`);
    const labels = series.get(sample[1] as string) ?? new Set<string>();
    for (const m of (sample[2] ?? '').matchAll(/([A-Za-z_]\w*)="(?:[^"\\]|\\.)*"/g)) labels.add(m[1] as string);
    series.set(sample[1] as string, labels);
  }
  return { types, series };
}

/**
 * The metric family a name in an expression belongs to: the name itself for a counter or gauge (`…_total` included:
 * it is the family's name as prom-client exposes it), or, for `…_bucket` (histograms) and `…_sum`/`…_count`
 * (histograms and summaries), the name without the suffix. A histogram's own name has no series and is no match.
 */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  const type = types.get(name);
  if (type !== undefined && type !== 'histogram' && type !== 'summary') return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const baseType = types.get(base);
    if (baseType === 'histogram' || (baseType === 'summary' && suffix !== '_bucket')) return base;
  }
  return undefined;
}

/** What is wrong with `expr` against `metrics`, one line each; empty when it selects only what exists. */
function problemsOf(where: string, expr: string, metrics: Exposition): string[] {
  const { selectors, grouping } = promqlNames(expr);
  if (selectors.length === 0) return [`${where}: no metric found in ${JSON.stringify(expr)}`];
  const problems: string[] = [];
  const available = new Set(TARGET_LABELS);
  for (const { metric, labels } of selectors) {
    if (familyOf(metric, metrics.types) === undefined) {
      problems.push(`${where}: ${metric} is not on /metrics`);
      continue;
    }
    const onSeries = metrics.series.get(metric);
    if (!onSeries) {
      problems.push(`${where}: ${metric} has no series after the sandbox run`);
      continue;
    }
    onSeries.forEach((l) => available.add(l));
    for (const label of labels) {
      if (!onSeries.has(label) && !TARGET_LABELS.has(label)) problems.push(`${where}: ${metric} has no label ${label}`);
    }
  }
  for (const label of grouping) {
    if (!available.has(label)) problems.push(`${where}: no metric in the expression has the label ${label}`);
  }
  return problems;
}

// --- The dashboard and the rules --------------------------------------------------------------------------------------

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
  __inputs?: unknown;
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard: panel targets, and the selectors of `label_values(…)` variables. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const panel of allPanels(dashboard.panels)) {
    for (const target of panel.targets ?? []) {
      out.push({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
    const labelValues = /^label_values\((.+),\s*(\w+)\s*\)$/.exec(query.trim());
    // The label asked for is checked as a grouping label of the selector: `… by (label)`.
    out.push({
      where: `variable $${variable.name}`,
      expr: labelValues ? `group by (${labelValues[2]}) (${labelValues[1]})` : query,
    });
  }
  return out;
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const ruleFile = parseYaml(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const rules = ruleFile.groups.flatMap((g) => g.rules);

// --- promtool --------------------------------------------------------------------------------------------------------

/** CI=true (and not "false"/"0"), as in `.ci/run`: a missing promtool fails instead of skipping. */
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

function promtoolPath(): string | undefined {
  const candidates = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  for (const dir of candidates) {
    try {
      accessSync(join(dir, 'promtool'), constants.X_OK);
      return join(dir, 'promtool');
    } catch {
      // not here
    }
  }
  return undefined;
}

const PROMTOOL = promtoolPath();

function requirePromtool(): boolean {
  if (PROMTOOL) return true;
  if (IN_CI) {
    throw new Error(
      'promtool is not installed (Debian package prometheus: apt-get install -y prometheus); ' +
        'CI=true: the alert rules may not go unchecked',
    );
  }
  // eslint-disable-next-line no-console
  console.warn('skipping promtool check/test rules: promtool is not installed (Debian package prometheus)');
  return false;
}

const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(PROMTOOL as string, args, { cwd: ROOT });
    return stdout + stderr;
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr}`);
  }
}

// --- Tests -----------------------------------------------------------------------------------------------------------

async function scrape(app: TestApp): Promise<string> {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

function sampleValue(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/** The sum of a metric's samples over all its series. */
function total(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('promqlNames', () => {
  it('finds metrics, matcher labels and grouping labels, and nothing else', () => {
    expect(
      promqlNames(
        'histogram_quantile(0.99, sum by (operation_type, le) (rate(a_bucket{job=~"$job", x!="y{z}"}[$__rate_interval])))' +
          ' / ignoring (outcome) group_left sum without (b) (b_total offset 5m) > 1e3 and on() vector(0) or c',
      ),
    ).toEqual({
      selectors: [
        { metric: 'a_bucket', labels: ['job', 'x'] },
        { metric: 'b_total', labels: [] },
        { metric: 'c', labels: [] },
      ],
      grouping: ['operation_type', 'le', 'outcome', 'b'],
    });
  });
});

describe('the dashboard and the alert rules name only what /metrics has', () => {
  let t: TestApp;
  let metrics: Exposition;
  let text: string;

  beforeAll(async () => {
    t = await startTestApp();
    const ok = async (query: string) => {
      const res = await t.graphql(query);
      expect(res.body.errors, query).toBeUndefined();
    };
    await ok('{ person(id: "11822648950") { status } }');
    await ok('{ persons(ids: ["11822648950", "22859197810"]) { id digitalMailbox { address } } }');
    t.sandbox.krr.faults.enqueue({ kind: 'status', status: 503 }); // retried: facade_upstream_retries_total
    await ok('{ person(id: "23079422568") { status } }');
    await ok('{ clients { id } }');
    await ok('{ client(id: "oidc_eksempel_klient") { active } }');
    await ok('mutation { rotateClientSecret(input: { id: "oidc_eksempel_klient" }) { clientSecret } }');
    text = await scrape(t);
    metrics = parseExposition(text);
  });
  afterAll(() => t?.close());

  it('every expression of the dashboard selects metrics and labels the facade exposes', () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(30);
    expect(expressions.flatMap(({ where, expr }) => problemsOf(where, expr, metrics))).toEqual([]);
  });

  it('the dashboard shows every facade_* metric', () => {
    const used = new Set(
      dashboardExpressions().flatMap(({ expr }) =>
        promqlNames(expr).selectors.map((s) => familyOf(s.metric, metrics.types)),
      ),
    );
    const facade = [...metrics.types.keys()].filter((name) => name.startsWith('facade_'));
    expect(facade.length).toBeGreaterThanOrEqual(16);
    expect(facade.filter((name) => !used.has(name))).toEqual([]);
  });

  it('every alert rule selects metrics and labels the facade exposes', () => {
    expect(rules.flatMap((rule) => problemsOf(`alert ${rule.alert}`, rule.expr, metrics))).toEqual([]);
  });

  it('the alert rules use in their annotations only labels their expressions keep', () => {
    const problems: string[] = [];
    for (const rule of rules) {
      const { grouping, selectors } = promqlNames(rule.expr);
      // Aggregated: the grouping labels are kept; not aggregated: the labels of the series, and the target labels.
      const kept = new Set(
        grouping.length > 0
          ? grouping
          : [...TARGET_LABELS, ...selectors.flatMap((s) => [...(metrics.series.get(s.metric) ?? [])])],
      );
      const text = Object.values(rule.annotations ?? {}).join('\n');
      for (const [, label] of text.matchAll(/\$labels\.(\w+)/g)) {
        if (!kept.has(label as string)) problems.push(`${rule.alert}: $labels.${label} is not kept by its expression`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('default process metrics carry no facade_ prefix, so the stock Node.js dashboards work', () => {
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(metrics.series.has(name), name).toBe(true);
    }
    expect(metrics.series.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect([...metrics.types.keys()].filter((n) => /^facade_(process|nodejs)_/.test(n))).toEqual([]);
  });

  it('the sandbox run produced the series the panels show (not just zeros)', () => {
    expect(sampleValue(text, 'facade_graphql_requests_total{operation_type="query",outcome="success"}')).toBe(5);
    expect(sampleValue(text, 'facade_graphql_requests_total{operation_type="mutation",outcome="success"}')).toBe(1);
    expect(sampleValue(text, 'facade_upstream_retries_total{upstream="krr"}')).toBe(1);
    expect(total(text, 'facade_persons_looked_up_total')).toBeGreaterThanOrEqual(3);
    expect(total(text, 'facade_token_cache_total')).toBeGreaterThan(0);
    expect(total(text, 'facade_krr_batch_size_count')).toBeGreaterThanOrEqual(3);
    expect(sampleValue(text, 'facade_audit_write_failures_total{kind="person"}')).toBe(0);
    expect(sampleValue(text, 'facade_audit_write_failures_total{kind="change"}')).toBe(0);
  });
});

describe('facade_audit_write_failures_total', () => {
  it('counts look-ups that withheld persons and client changes refused because the audit log could not be written', async () => {
    const t = await startTestApp({ AUDIT_LOG_FILE: '/dev/full' });
    try {
      const lookup = await t.graphql('{ person(id: "11822648950") { status } }');
      expect(lookup.body.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
      const change = await t.graphql(
        'mutation { rotateClientSecret(input: { id: "oidc_eksempel_klient" }) { clientSecret } }',
      );
      expect(change.body.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
      const text = await scrape(t);
      expect(sampleValue(text, 'facade_audit_write_failures_total{kind="person"}')).toBe(1);
      expect(sampleValue(text, 'facade_audit_write_failures_total{kind="change"}')).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe('the dashboard', () => {
  it('takes its data source from the DS_PROMETHEUS variable, in every panel and target', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(dashboard.__inputs).toBeUndefined(); // provisioning would not substitute `__inputs`
    const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(20);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${DS_PROMETHEUS}');
    }
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('filters every panel by the $job and $instance variables', () => {
    for (const panel of allPanels(dashboard.panels)) {
      for (const target of panel.targets ?? []) {
        for (const { metric, labels } of promqlNames(target.expr).selectors) {
          expect(labels, `${panel.title}: ${metric}`).toEqual(expect.arrayContaining(['job', 'instance']));
        }
        expect(target.expr, panel.title).toContain('job=~"$job", instance=~"$instance"');
      }
    }
  });
});

describe('the alert rules', () => {
  it('cover the failures an operator must hear about, each with a summary, a description and a runbook', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'FacadeAdmissionRefusing',
      'FacadeAuditWritesFailing',
      'FacadeGraphQLErrorRatioHigh',
      'FacadeGraphQLLatencyP99High',
      'FacadeMaskinportenTokenRequestsFailing',
      'FacadeRateLimitFallback',
      'FacadeUpstreamBreakerOpen',
    ]);
    const readme = readFileSync(README_FILE, 'utf8');
    expect(readme).toMatch(/^## Dashboards and alerts$/m);
    for (const rule of rules) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(warning|critical)$/);
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(rule.annotations?.summary, rule.alert).toEqual(expect.any(String));
      expect(rule.annotations?.description, rule.alert).toEqual(expect.any(String));
      expect(rule.annotations?.runbook_url, rule.alert).toBe('README.md#dashboards-and-alerts');
      // each alert is listed in the README section the runbook points to
      expect(readme, rule.alert).toContain(`\`${rule.alert}\``);
    }
  });

  describe.skipIf(!requirePromtool())('promtool', () => {
    it('check rules: valid rules and PromQL', async () => {
      expect(await promtool('check', 'rules', ALERTS_FILE)).toContain(`SUCCESS: ${rules.length} rules found`);
    });

    it('test rules: each alert fires in its scenario, none on a healthy replica', async () => {
      expect(await promtool('test', 'rules', ALERTS_TEST_FILE)).toContain('SUCCESS');
    });

    it("check rules: the dashboard's expressions are valid PromQL (as recording rules, Grafana's variables filled in)", async () => {
      const expressions = dashboardExpressions().map(({ expr }) =>
        expr
          .replaceAll('$__rate_interval', '5m')
          .replaceAll('$__range', '1h')
          .replace(/\$(job|instance)\b/g, '.*'),
      );
      const dir = await mkdtemp(join(tmpdir(), 'facade-dashboard-'));
      try {
        const file = join(dir, 'dashboard-rules.yaml');
        const records = expressions.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr }));
        await writeFile(file, stringifyYaml({ groups: [{ name: 'dashboard', rules: records }] }));
        expect(await promtool('check', 'rules', file)).toContain(`SUCCESS: ${records.length} rules found`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
