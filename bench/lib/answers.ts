/**
 * What a right answer looks like, per kind of request: the bench and the profiler check every body with one, so a fast
 * error can never pass for a fast answer.
 */

/** Whether a 2xx body is the right answer (see HttpLoad.check). */
export type Check = (body: string) => boolean;

function parsed(body: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Each of `list` an object with a string `key`: the persons are there. */
function allHave(list: unknown, n: number, key: string): boolean {
  if (!Array.isArray(list) || list.length !== n) return false;
  for (const item of list) {
    if (typeof item !== 'object' || item === null || typeof (item as Record<string, unknown>)[key] !== 'string') {
      return false;
    }
  }
  return true;
}

/** A GraphQL answer without errors whose data passes `ok`. */
const graphqlAnswer =
  (ok: (data: Record<string, unknown>) => boolean): Check =>
  (body) => {
    const json = parsed(body);
    const data = json?.data as Record<string, unknown> | null | undefined;
    return json !== undefined && json.errors === undefined && typeof data === 'object' && data !== null && ok(data);
  };

export const answers = {
  person: graphqlAnswer((data) => typeof (data.person as { id?: unknown } | null)?.id === 'string'),
  persons: (n: number) => graphqlAnswer((data) => allHave(data.persons, n, 'id')),
  client: graphqlAnswer((data) => typeof (data.client as { id?: unknown } | null)?.id === 'string'),
  /** GraphQL Mesh's answer over KRR (bench/compare-mesh.ts): KRR's `personer` under the generated root field. */
  mesh: (n: number) =>
    graphqlAnswer((data) =>
      allHave((data.hentPersoner as { personer?: unknown } | null)?.personer, n, 'personidentifikator'),
    ),
  /** KRR's own answer: `personer`, one per id asked for (every bench id is a generated, registered person). */
  krr:
    (n: number): Check =>
    (body) =>
      allHave(parsed(body)?.personer, n, 'personidentifikator'),
};
