import fc from 'fast-check';
import {
  buildASTSchema,
  concatAST,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { loadTypeDefs } from '../../src/graphql/schema.js';

/**
 * Random operations over the facade's schema, for differential tests (test/graphql/executors.test.ts). Everything is
 * read from the schema (the SDL in schema/, as `loadTypeDefs` reads it), so new fields, arguments, input fields and enum
 * values are generated without a change here; only the values of the domain's scalars and of a few well-known argument
 * and input-field names come from {@link ValuePools}.
 */

/** The SDL of schema/ as a graphql-js schema (no resolvers: types, fields, arguments and directives only). */
export function schemaFromSdl(): GraphQLSchema {
  return buildASTSchema(concatAST(loadTypeDefs().map((sdl) => parse(sdl))));
}

/** Values worth sending: valid ones the sandbox knows, valid ones it does not, and the caller's choices. */
export interface ValuePools {
  /** Valid personal identifiers (known to the KRR simulator or not: unknown ones answer `NOT_REGISTERED`). */
  personIds: readonly string[];
  /** Valid identifiers the KRR simulator refuses: that entry null with `UPSTREAM_REJECTED` at its path. */
  refusedPersonIds: readonly string[];
  /** Client ids: ours, supplied by us, another organisation's, and unknown ones. */
  clientIds: readonly string[];
  /** Onbehalfof registration ids, existing and unknown. */
  onBehalfOfIds: readonly string[];
  /** Key ids, existing and new. */
  kids: readonly string[];
  /** Valid organisation numbers. */
  organizationNumbers: readonly string[];
  /** A public RSA key's members (`n`, `e`) that the admin API accepts. */
  jwk: { n: string; e: string };
  /** Scopes a client may ask for, and some it may not (`ADMIN_ALLOWED_SCOPES`). */
  clientScopes: readonly string[];
  /** The facade's caller scopes: a token carries all of them, or a random subset (FORBIDDEN at paths). */
  callerScopes: readonly string[];
  /** Tenants (organisation numbers) a caller token may name. */
  tenants: readonly string[];
}

export interface GeneratedOperation {
  type: 'query' | 'mutation';
  /** The document, operation first, then its fragments (and sometimes a second operation). */
  document: string;
  variables: Record<string, unknown>;
  /** Sent as `operationName` when set (sometimes a name the document does not have). */
  operationName?: string;
  /** The caller token's `scope` claim. */
  scope: string;
  /** The caller token's tenant claim, when it names one. */
  tenant?: string;
}

export interface OperationOptions {
  type: 'query' | 'mutation';
  /** Deepest field path generated (a root field is 1); default 5. */
  maxDepth?: number;
  /** Most fields chosen of one selection set (fragments and `__typename` come on top); default 4. */
  maxFields?: number;
}

/** Random operations of `type`: see {@link OperationBuilder}. */
export function operationArbitrary(
  schema: GraphQLSchema,
  pools: ValuePools,
  opts: OperationOptions,
): fc.Arbitrary<GeneratedOperation> {
  return fc.gen().map((g) => new OperationBuilder(schema, pools, g, opts).build());
}

/**
 * An integer drawn uniformly: fast-check's own `integer` favours small values and the bounds, which would make every
 * `chance(p)` below far likelier than `p` and every `pick` favour its first items.
 */
const uniformInteger = (min: number, max: number) => fc.noBias(fc.integer({ min, max }));

/** Where a value goes: the argument or input field's name, and the field or input type it belongs to. */
interface Hint {
  name: string;
  parent: string;
}

/** How often a generated value is one the facade must refuse, per leaf value. */
const INVALID_VARIABLE_VALUE = 0.04;
const INVALID_LITERAL = 0.01;

/**
 * One random operation: random field subsets at every level (arguments required by the schema always, optional ones
 * sometimes), aliases (the same field twice with different arguments included), the same field selected twice with
 * different sub-selections (merged), named and inline fragments, `__typename`, `@skip`/`@include` with literals and
 * variables (a variable with a default sometimes left out), argument values as literals or variables, valid and
 * invalid, nulls, lists with a refused or invalid entry in the middle; a caller scope set and sometimes a tenant.
 */
class OperationBuilder {
  private readonly definitions: string[] = [];
  private readonly variables: Record<string, unknown> = {};
  private readonly fragments: string[] = [];
  /** Fragment names by type, once their definition is complete (so spreading one never makes a cycle). */
  private readonly defined = new Map<string, string[]>();
  private counter = 0;
  /** Fields left to select: keeps a document well under the query limits (tokens, aliases, directives). */
  private budget = 40;
  private readonly maxDepth: number;
  private readonly maxFields: number;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly pools: ValuePools,
    private readonly g: fc.GeneratorValue,
    private readonly opts: OperationOptions,
  ) {
    this.maxDepth = opts.maxDepth ?? 5;
    this.maxFields = opts.maxFields ?? 4;
  }

  build(): GeneratedOperation {
    const { type } = this.opts;
    const root = type === 'query' ? this.schema.getQueryType() : this.schema.getMutationType();
    if (!root) throw new Error(`the schema has no ${type} type`);
    // One root field half of the time (as most clients send), else up to two (mutations: each is a change, run one
    // after the other) or three.
    const rootFields = this.chance(0.5) ? 1 : type === 'mutation' ? 2 : 3;
    const selection = this.selectionSet(root, 1, '', new Set(), 0, rootFields);
    const named = this.chance(0.85);
    const name = named ? `Generated${this.int(1, 3)}` : undefined;
    let header: string;
    if (!named && type === 'query' && this.definitions.length === 0 && this.chance(0.5)) header = '';
    else
      header = `${type}${name ? ` ${name}` : ''}${this.definitions.length ? `(${this.definitions.join(', ')})` : ''} `;
    const parts = [`${header}${selection}`, ...this.fragments];
    let operationName = named && this.chance(0.4) ? name : undefined;
    if (this.chance(0.04)) {
      // A second operation: the request must name the one to run (or names one the document does not have).
      parts.push('query Other {\n  me {\n    subject\n  }\n}');
      operationName = this.pick([name ?? 'Missing', 'Other', 'Missing']);
      if (this.chance(0.2)) operationName = undefined;
    } else if (this.chance(0.015)) {
      operationName = 'NoSuchOperation';
    }
    const all = this.pools.callerScopes;
    const scope = this.chance(0.5) ? all.join(' ') : all.filter(() => this.chance(0.6)).join(' ');
    const tenant = this.chance(0.12) ? this.pick(this.pools.tenants) : undefined;
    return {
      type,
      document: `${parts.join('\n\n')}\n`,
      variables: this.variables,
      ...(operationName !== undefined ? { operationName } : {}),
      scope,
      ...(tenant !== undefined ? { tenant } : {}),
    };
  }

  // ---- random choices (all drawn through fast-check, so the seed decides them) ----

  private int(min: number, max: number): number {
    return this.g(uniformInteger, min, max);
  }

  private chance(p: number): boolean {
    return this.int(0, 999) < p * 1000;
  }

  private pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('nothing to pick from');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** `count` distinct items, in a random order. */
  private some<T>(items: readonly T[], count: number): T[] {
    const rest = [...items];
    const out: T[] = [];
    while (out.length < count && rest.length > 0) out.push(rest.splice(this.int(0, rest.length - 1), 1)[0] as T);
    return out;
  }

  private fresh(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  // ---- selections ----

  /**
   * `scope`: the names of fields with arguments already selected without an alias in this object's merged selection
   * (its fragments included): another one gets an alias, so selections never conflict.
   */
  private selectionSet(
    type: GraphQLObjectType,
    depth: number,
    indent: string,
    scope: Set<string>,
    listDepth: number,
    maxFields = this.maxFields,
  ): string {
    const inner = `${indent}  `;
    const lines: string[] = [];
    const usable = Object.values(type.getFields()).filter((f) => this.usable(f, depth, listDepth));
    if (usable.length > 0 && this.budget > 0) {
      const count = Math.min(this.int(1, Math.min(maxFields, usable.length)), this.budget);
      this.budget -= count;
      for (const field of this.some(usable, count)) {
        lines.push(...this.fieldSelections(field, type, depth, inner, scope, listDepth));
      }
    }
    if (lines.length === 0 || this.chance(0.12)) lines.push(`${inner}__typename${this.conditional()}`);
    if (this.budget > 0 && this.chance(0.1)) {
      const condition = this.chance(0.7) ? ` on ${type.name}` : '';
      const body = this.selectionSet(type, depth, inner, scope, listDepth, 2);
      lines.push(`${inner}...${condition}${this.conditional()} ${body}`);
    }
    // A fragment of this type defined already (and spread elsewhere) spread again, now and then. Not of a root type:
    // its fields take arguments, and a second spread could conflict with the fields around it.
    const defined = this.defined.get(type.name) ?? [];
    const rootType = type === this.schema.getQueryType() || type === this.schema.getMutationType();
    if (defined.length > 0 && !rootType && this.chance(0.3)) {
      lines.push(`${inner}...${this.pick(defined)}${this.conditional()}`);
    }
    if (this.budget > 0 && this.chance(0.1)) {
      const name = this.fresh('F');
      const body = this.selectionSet(type, depth, '', scope, listDepth, 2);
      this.fragments.push(`fragment ${name} on ${type.name} ${body}`);
      this.defined.set(type.name, [...(this.defined.get(type.name) ?? []), name]);
      lines.push(`${inner}...${name}${this.conditional()}`);
    }
    return `{\n${lines.join('\n')}\n${indent}}`;
  }

  /** Leaves always; objects while the depth allows, lists of objects at most two deep (bounded answers). */
  private usable(field: GraphQLField<unknown, unknown>, depth: number, listDepth: number): boolean {
    const named = getNamedType(field.type);
    if (isLeafType(named)) return true;
    if (depth >= this.maxDepth) return false;
    return !(isListType(getNullableType(field.type)) && listDepth >= 2);
  }

  private fieldSelections(
    field: GraphQLField<unknown, unknown>,
    parent: GraphQLObjectType,
    depth: number,
    indent: string,
    scope: Set<string>,
    listDepth: number,
  ): string[] {
    const out: string[] = [];
    const hasArgs = field.args.length > 0;
    const named = getNamedType(field.type);
    const isList = isListType(getNullableType(field.type));
    // The same field twice with different arguments (one of them aliased), or, without arguments, twice under one
    // response name with different sub-selections (merged into one).
    const copies = this.chance(hasArgs ? 0.2 : 0.06) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      let alias = '';
      if (hasArgs && scope.has(field.name)) alias = `${this.fresh('a')}: `;
      else if (this.chance(0.12) && !(copy === 1 && !hasArgs)) alias = `${this.fresh('a')}: `;
      else if (hasArgs) scope.add(field.name);
      const args = this.arguments(field, parent);
      const sub = isObjectType(named)
        ? ` ${this.selectionSet(named, depth + 1, indent, new Set(), listDepth + (isList ? 1 : 0))}`
        : '';
      out.push(`${indent}${alias}${field.name}${args}${this.conditional()}${sub}`);
    }
    return out;
  }

  /** Sometimes `@skip` or `@include`, with a literal or a variable (`Boolean!`, or `Boolean` with a default). */
  private conditional(): string {
    if (!this.chance(0.025)) return '';
    const directive = this.chance(0.5) ? 'skip' : 'include';
    if (this.chance(0.4)) return ` @${directive}(if: ${this.chance(0.5)})`;
    const name = this.fresh('b');
    if (this.chance(0.2)) {
      // A default, and mostly no value: the default decides.
      this.definitions.push(`$${name}: Boolean = ${this.chance(0.5)}`);
      if (this.chance(0.3)) this.variables[name] = this.chance(0.5);
    } else {
      this.definitions.push(`$${name}: Boolean!`);
      this.variables[name] = this.chance(INVALID_VARIABLE_VALUE) ? this.pick(['yes', 1, null]) : this.chance(0.5);
    }
    return ` @${directive}(if: $${name})`;
  }

  // ---- arguments and values ----

  private arguments(field: GraphQLField<unknown, unknown>, parent: GraphQLObjectType): string {
    const given = field.args.filter((arg) => isNonNullType(arg.type) || this.chance(0.5));
    if (given.length === 0) return '';
    const parts = given.map((arg) => {
      const hint = { name: arg.name, parent: `${parent.name}.${field.name}` };
      if (this.chance(0.5)) {
        const name = this.fresh('v');
        this.definitions.push(`$${name}: ${String(arg.type)}`);
        const value = this.value(arg.type, hint, INVALID_VARIABLE_VALUE);
        // A nullable variable is sometimes left out altogether (then the argument is not given).
        if (!(value === null && !isNonNullType(arg.type) && this.chance(0.5))) this.variables[name] = value;
        return `${arg.name}: $${name}`;
      }
      return `${arg.name}: ${printLiteral(this.value(arg.type, hint, INVALID_LITERAL), arg.type)}`;
    });
    return `(${parts.join(', ')})`;
  }

  private value(type: GraphQLInputType, hint: Hint, invalid: number): unknown {
    if (isNonNullType(type)) {
      if (this.chance(invalid / 4)) return null;
    } else if (this.chance(0.04)) {
      return null;
    }
    const t = getNullableType(type) as GraphQLInputType;
    if (isListType(t)) {
      const length = this.int(0, hint.name === 'ids' ? 8 : 3);
      return Array.from({ length }, () => this.value(t.ofType, hint, invalid));
    }
    if (isInputObjectType(t)) {
      const out: Record<string, unknown> = {};
      for (const field of Object.values(t.getFields())) {
        const required = isNonNullType(field.type) && field.defaultValue === undefined;
        if (required ? !this.chance(invalid / 4) : this.chance(0.35)) {
          out[field.name] = this.value(field.type, { name: field.name, parent: t.name }, invalid);
        }
      }
      if (this.chance(invalid / 4)) out[this.pick(['d', 'unknownField'])] = 'x';
      return out;
    }
    if (isEnumType(t)) return this.chance(invalid) ? 'NOT_A_VALUE' : this.pick(t.getValues()).name;
    return this.scalar(t.name, hint, this.chance(invalid));
  }

  private scalar(name: string, hint: Hint, invalid: boolean): unknown {
    const p = this.pools;
    switch (name) {
      case 'PersonIdentifier': {
        if (invalid) {
          const id = this.pick(p.personIds);
          const badChecksum = `${id.slice(0, 10)}${(Number(id[10]) + 1) % 10}`;
          return this.pick([badChecksum, id.slice(0, 10), `${id}0`, Number(id), true, '']);
        }
        return this.chance(0.1) ? this.pick(p.refusedPersonIds) : this.pick(p.personIds);
      }
      case 'ID': {
        if (invalid) return this.pick([true, 1.5, { id: 'x' }]);
        // Ids the facade itself refuses (BAD_USER_INPUT from the resolver, not from coercion) now and then.
        if (this.chance(0.05)) return this.pick(['..', 'has space', '', 'a/b', 'x'.repeat(129)]);
        const registration = hint.name === 'id' && /onbehalfof/i.test(hint.parent);
        return this.pick(registration ? p.onBehalfOfIds : p.clientIds);
      }
      case 'OrganizationNumber':
        return invalid ? this.pick(['123456789', '12345', 991825827]) : this.pick(p.organizationNumbers);
      case 'DateTime':
        return invalid
          ? this.pick(['yesterday', '2020-13-01T00:00:00Z', 0])
          : this.pick(['2020-01-01T00:00:00Z', '2099-12-31T23:59:59.000Z', '2026-06-01T12:00:00.000+02:00']);
      case 'URL':
        return invalid
          ? this.pick(['not a url', 'javascript:alert(1)', 3])
          : this.pick(['https://tjeneste.example.no/callback', 'https://eksempel.no/login', 'ftp://example.no/x']);
      case 'Int':
        return invalid ? this.pick([2 ** 31, 1.5, '300']) : this.pick([0, 300, 3600, -1]);
      case 'Float':
        return invalid ? this.pick(['1.5', true]) : this.pick([0, 1.5, -2]);
      case 'Boolean':
        return invalid ? this.pick(['yes', 1]) : this.chance(0.5);
      case 'String':
        return invalid ? this.pick([42, false, ['x']]) : this.string(hint);
      default:
        // A scalar this file does not know yet: a string, valid or not (both executors must agree either way).
        return invalid ? 42 : this.pick(['x', '0']);
    }
  }

  private string(hint: Hint): string {
    const p = this.pools;
    switch (hint.name) {
      case 'kid':
        return this.pick(p.kids);
      case 'kty':
        return this.pick(['RSA', 'RSA', 'EC']);
      case 'alg':
        return this.pick(['RS256', 'RS256', 'HS256']);
      case 'use':
        return this.pick(['sig', 'enc']);
      case 'n':
        return this.chance(0.85) ? p.jwk.n : 'AAAA';
      case 'e':
        return this.chance(0.9) ? p.jwk.e : 'AQ==';
      case 'scopes':
        return this.pick(p.clientScopes);
      case 'codeChallengeMethod':
        return this.pick(['S256', 'none', 'x'.repeat(17)]);
      case 'nameContains':
        return this.pick(['eksempel', 'KLIENT', '', 'ø']);
      case 'name':
        return this.pick(['Testklient', 'Min tjeneste', 'x'.repeat(256)]);
      case 'description':
        return this.pick(['Ny beskrivelse', '', 'y'.repeat(4001)]);
      default:
        return this.pick(['x', 'Eksempel']);
    }
  }
}

/** A GraphQL literal for `value` in a position of `type` (enum values bare, whatever they are). */
export function printLiteral(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return 'null';
  const t = getNullableType(type) as GraphQLInputType;
  if (Array.isArray(value)) {
    const item = isListType(t) ? (t.ofType as GraphQLInputType) : t;
    return `[${value.map((v) => printLiteral(v, item)).join(', ')}]`;
  }
  if (isListType(t)) return printLiteral(value, t.ofType as GraphQLInputType);
  if (typeof value === 'object') {
    const fields = isInputObjectType(t) ? t.getFields() : {};
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${k}: ${printLiteral(v, (fields[k]?.type ?? t) as GraphQLInputType)}`,
    );
    return `{ ${entries.join(', ')} }`;
  }
  if (isEnumType(t) && typeof value === 'string' && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value)) return value;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
