import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Admission } from './admission.js';
import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
  type ASTVisitor,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLEnumType,
  type GraphQLField,
  type GraphQLInterfaceType,
  type GraphQLList,
  type GraphQLNonNull,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

/**
 * Query limits (OWASP GraphQL Cheat Sheet, graphql-armor style): every request is measured and refused before anything
 * executes when it is too deep, too wide, too costly or names too many persons.
 */
export interface QueryLimits {
  /** Depth of the deepest field path (`{ a { b } }` is 2); fragments followed, introspection counted too. */
  maxDepth: number;
  /** Fields with an alias per operation; fragments followed, each spread counted. */
  maxAliases: number;
  /** Directive usages per operation (operation, fields, fragments, spreads); fragments followed, each spread counted. */
  maxDirectives: number;
  /** Lexical tokens per document: meant for Apollo's `parseOptions.maxTokens` (the parser enforces it). */
  maxTokens: number;
  /** Estimated cost per operation, see {@link measureOperation}. */
  maxCost: number;
  /** Distinct personal ids (`person(id:)`, `persons(ids:)`) per request. */
  maxPersons: number;
  /** Estimated bytes of the answer's JSON per operation, see {@link measureOperation}. */
  maxAnswerBytes: number;
  /**
   * Root fields of a mutation operation (`QUERY_MAX_MUTATIONS`): each is one change upstream, run one after the other.
   * Fragments followed, each spread counted, `@skip`/`@include` ignored; `__typename` does not count.
   */
  maxMutations: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 5000,
  maxCost: 25_000,
  maxPersons: 5000,
  maxAnswerBytes: 32 * 1024 * 1024,
  maxMutations: 10,
});

// ---------------------------------------------------------------------------------------------------------------------
// Validation rules: depth, aliases, directives (no variables needed)
// ---------------------------------------------------------------------------------------------------------------------

interface Shape {
  depth: number;
  aliases: number;
  directives: number;
}

const EMPTY_SHAPE: Shape = { depth: 0, aliases: 0, directives: 0 };

/**
 * Depth, aliases and directives of a selection set, fragments followed. A fragment's shape does not depend on where it
 * is spread, so it is computed once (memo): a document that spreads fragments exponentially stays linear to measure.
 * A fragment spread while it is being measured (a cycle, refused by NoFragmentCycles anyway) contributes nothing.
 *
 * Depth counts every field, introspection included (`__schema { types { fields { type { fields … } } } }` is the
 * classic deep-introspection attack), with one exception: a `__Type.ofType` step does not deepen. Unwrapping type
 * references is how every introspection client reads `[X!]!`: graphql-js's own `getIntrospectionQuery()`, which
 * GraphiQL sends, nests `ofType` nine times and reaches depth 15 otherwise. An `ofType` chain is linear (one object per
 * step, counted by the cost) and ends in null after at most a few steps.
 */
class ShapeMeter {
  private readonly memo = new Map<string, Shape>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly getFragment: (name: string) => FragmentDefinitionNode | undefined | null,
  ) {}

  operation(operation: OperationDefinitionNode): Shape {
    const inner = this.selectionSet(operation.selectionSet, rootType(this.schema, operation));
    let directives = count(operation.directives);
    for (const variable of operation.variableDefinitions ?? []) directives += count(variable.directives);
    return { depth: inner.depth, aliases: inner.aliases, directives: directives + inner.directives };
  }

  /** `parentType` is undefined below an unknown field or type: the shape is still measured, validation reports it. */
  private selectionSet(
    selectionSet: SelectionSetNode | undefined,
    parentType: GraphQLCompositeType | undefined,
  ): Shape {
    if (!selectionSet) return EMPTY_SHAPE;
    let depth = 0;
    let aliases = 0;
    let directives = 0;
    for (const selection of selectionSet.selections) {
      directives += count(selection.directives);
      let inner: Shape;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const definition = parentType && fieldDefinition(this.schema, parentType, name);
        const childType = definition ? compositeNamedType(definition.type) : undefined;
        inner = this.selectionSet(selection.selectionSet, childType);
        const step = parentType?.name === '__Type' && name === 'ofType' ? 0 : 1;
        depth = Math.max(depth, step + inner.depth);
        if (selection.alias) aliases++;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && this.schema.getType(selection.typeCondition.name.value);
        const type = selection.typeCondition ? (isComposite(condition) ? condition : undefined) : parentType;
        inner = this.selectionSet(selection.selectionSet, type);
        depth = Math.max(depth, inner.depth);
      } else {
        inner = this.fragment(selection.name.value);
        depth = Math.max(depth, inner.depth);
      }
      aliases += inner.aliases;
      directives += inner.directives;
    }
    return { depth, aliases, directives };
  }

  private fragment(name: string): Shape {
    const known = this.memo.get(name);
    if (known) return known;
    if (this.inProgress.has(name)) return EMPTY_SHAPE;
    const definition = this.getFragment(name);
    if (!definition) return EMPTY_SHAPE;
    const type = this.schema.getType(definition.typeCondition.name.value);
    this.inProgress.add(name);
    const inner = this.selectionSet(definition.selectionSet, isComposite(type) ? type : undefined);
    this.inProgress.delete(name);
    const shape = { ...inner, directives: inner.directives + count(definition.directives) };
    this.memo.set(name, shape);
    return shape;
  }
}

function count(directives: readonly DirectiveNode[] | undefined): number {
  return directives?.length ?? 0;
}

/** One meter per validation run (all rules of one `validate` call share the context), one shape per operation. */
function shapeOf(context: ValidationContext, operation: OperationDefinitionNode): Shape {
  let perRun = shapeCache.get(context);
  if (!perRun) {
    perRun = {
      meter: new ShapeMeter(context.getSchema(), (name) => context.getFragment(name)),
      shapes: new WeakMap(),
    };
    shapeCache.set(context, perRun);
  }
  let shape = perRun.shapes.get(operation);
  if (!shape) {
    shape = perRun.meter.operation(operation);
    perRun.shapes.set(operation, shape);
  }
  return shape;
}

const shapeCache = new WeakMap<
  ValidationContext,
  { meter: ShapeMeter; shapes: WeakMap<OperationDefinitionNode, Shape> }
>();

/** A rule that reports `message(value)` for each operation whose measured `value` exceeds `max`. */
function limitRule(measure: (shape: Shape) => number, max: number, message: (value: number) => string): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const value = measure(shapeOf(context, operation));
      if (value > max) context.reportError(new GraphQLError(message(value), { nodes: [operation] }));
      return false; // the shape is measured from here; nothing below needs visiting by this rule
    },
  });
}

/**
 * The root fields of a mutation operation, fragments followed (each spread counted, memoised per fragment, cycles cut:
 * exponential spreading stays linear to count); `__typename` is not a mutation and does not count.
 */
function countMutations(context: ValidationContext, operation: OperationDefinitionNode): number {
  const memo = new Map<string, number>();
  const inProgress = new Set<string>();
  const selectionSet = (set: SelectionSetNode): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== TypeNameMetaFieldDef.name) total++;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += selectionSet(selection.selectionSet);
      } else {
        total += fragment(selection.name.value);
      }
    }
    return total;
  };
  const fragment = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (inProgress.has(name)) return 0;
    const definition = context.getFragment(name);
    if (!definition) return 0;
    inProgress.add(name);
    const total = selectionSet(definition.selectionSet);
    inProgress.delete(name);
    memo.set(name, total);
    return total;
  };
  return selectionSet(operation.selectionSet);
}

/** Refuses a mutation operation with more than `max` root fields (see {@link countMutations}). */
function mutationsRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      if (operation.operation === 'mutation') {
        const mutations = countMutations(context, operation);
        if (mutations > max) {
          context.reportError(
            new GraphQLError(`Operation uses ${mutations} mutations; the maximum is ${max}.`, { nodes: [operation] }),
          );
        }
      }
      return false;
    },
  });
}

/** graphql-js ValidationRules for depth, aliases, directives and mutations per operation (they need no variables). */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    limitRule(
      (shape) => shape.depth,
      limits.maxDepth,
      (depth) => `Query depth ${depth} exceeds the maximum of ${limits.maxDepth}.`,
    ),
    limitRule(
      (shape) => shape.aliases,
      limits.maxAliases,
      (aliases) => `Query uses ${aliases} aliases; the maximum is ${limits.maxAliases}.`,
    ),
    limitRule(
      (shape) => shape.directives,
      limits.maxDirectives,
      (directives) => `Query uses ${directives} directives; the maximum is ${limits.maxDirectives}.`,
    ),
    // A limits object from before maxMutations existed still gets the default: this bound is never silently off.
    mutationsRule(limits.maxMutations ?? DEFAULT_QUERY_LIMITS.maxMutations),
  ];
}

// ---------------------------------------------------------------------------------------------------------------------
// Cost and distinct persons (need the variables: per request)
// ---------------------------------------------------------------------------------------------------------------------

/** Size estimates of list fields, by `Type.field`; any other list field counts {@link DEFAULT_LIST_SIZE}. */
const LIST_SIZES: Readonly<Record<string, number>> = {
  'Query.clients': 100,
  'Client.onBehalfOf': 20,
  'Jwks.keys': 5,
};
const DEFAULT_LIST_SIZE = 10;

/**
 * Estimated JSON bytes of one leaf value (quotes included), by `Type.field`, else by its type's name; an enum value the
 * length of its longest name; anything else {@link DEFAULT_LEAF_BYTES}. Upper bounds of what the facade sends, except
 * free text (names, addresses), which is usually shorter than the default.
 */
const LEAF_BYTES_BY_FIELD: Readonly<Record<string, number>> = {
  // Base64 X.509 of a mailbox provider: about 2.4 KB in KRR's test data.
  'DigitalMailbox.certificate': 4096,
  'Jwk.n': 1400,
};
const LEAF_BYTES_BY_TYPE: Readonly<Record<string, number>> = {
  Boolean: 5,
  Int: 11,
  Float: 24,
  // `"2010-12-16T12:32:05.000Z"`
  DateTime: 26,
  PersonIdentifier: 13,
  OrganizationNumber: 11,
};
const DEFAULT_LEAF_BYTES = 64;
/** A member's name, its quotes, the colon and the comma: the name's length plus this. */
const MEMBER_OVERHEAD_BYTES = 4;

/**
 * Measures one operation of a validated document with the request's variables.
 *
 * Cost model: a field that returns an object, interface or union (a composite type) costs 1 per item it can produce,
 * plus the cost of its selection per item; scalar and enum fields (lists of them too) cost 0. A list field multiplies
 * by its size estimate: `Query.persons` by the number of `ids` (the literal list's length or the variable's array
 * length; a single non-list value counts 1), `Query.clients` by 100, `Client.onBehalfOf` by 20, `Jwks.keys` by 5, any
 * other list field by 10 (per list level). So `cost(field) = size × (1 + cost(selection))` and nested lists multiply:
 * `persons(ids: <5000 ids>) { email { value } mobilePhone { value } }` costs 5000 × (1 + 1 + 1) = 15000. Fragment
 * spreads and inline fragments are followed; introspection fields count like any other; `@skip`/`@include` are
 * ignored (the estimate is an upper bound); a field selected twice counts twice.
 *
 * Answer bytes: the same walk estimates the size of the answer's JSON, where the cost leaves scalars out: per field its
 * response name (the alias when there is one) and, per item, its value ({@link LEAF_BYTES_BY_FIELD}) or its selection.
 * The cost alone let one request of repeated ids (a person named twice counts once everywhere else) with many long
 * aliases ask for an answer larger than the process's heap.
 *
 * Distinct persons: the distinct string values given to `Query.person(id:)` and `Query.persons(ids:)` anywhere in the
 * operation (literals, variables and variable defaults, fragments followed). Only the count leaves this function.
 *
 * Never throws: unknown fields and types are skipped (validation reports them), a missing or ambiguous operation
 * measures 0, and fragment cycles are cut.
 */
export function measureOperation(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}): OperationMeasure {
  const variables = args.variables ?? {};
  const key = args.operationName ?? '';
  const known = measured.get(args.schema)?.get(args.document)?.get(key);
  if (known) {
    return new Measure(
      known.operationType,
      known.size,
      personsNamed(known.personArguments, variables, known.variableDefaults),
    );
  }
  const operation = findOperation(args.document, args.operationName);
  if (!operation) return new Measure('unknown', NOTHING, []);
  const root = rootType(args.schema, operation);
  if (!root) return new Measure(operation.operation, NOTHING, []);
  const meter = new CostMeter(args.schema, args.document, operation, variables);
  const size = meter.selectionSet(root, operation.selectionSet);
  if (!meter.sizedByVariables) {
    const entry: MeasuredOperation = {
      operationType: operation.operation,
      size,
      personArguments: meter.personArguments,
      variableDefaults: meter.variableDefaults,
    };
    let documents = measured.get(args.schema);
    if (!documents) measured.set(args.schema, (documents = new WeakMap()));
    let operations = documents.get(args.document);
    if (!operations) documents.set(args.document, (operations = new Map()));
    operations.set(key, entry);
  }
  return new Measure(operation.operation, size, personsNamed(meter.personArguments, variables, meter.variableDefaults));
}

/**
 * What measuring an operation found that its variables do not change: its cost and answer size (unless a
 * `persons(ids:)` list comes from a variable: {@link CostMeter.sizedByVariables}), and where its person ids are given.
 * Kept per parsed document (Apollo's and the door's caches keep a document for its next requests) and operation name:
 * a document measured before is measured again by its person arguments alone (the walk was about 2 % of a one-person
 * query's CPU). It holds nodes of its document only, and goes with it.
 */
interface MeasuredOperation {
  operationType: string;
  size: Size;
  personArguments: readonly ValueNode[];
  variableDefaults: ReadonlyMap<string, ValueNode>;
}

const measured = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, MeasuredOperation>>>();

/** Every string given as a person id through `personArguments` with these variables, repeats included. */
function personsNamed(
  personArguments: readonly ValueNode[],
  variables: Record<string, unknown>,
  defaults: ReadonlyMap<string, ValueNode>,
): string[] {
  const persons: string[] = [];
  for (const argument of personArguments) {
    const resolved = resolveValue(argument, variables, defaults);
    for (const item of Array.isArray(resolved) ? resolved : [resolved]) {
      if (typeof item === 'string') persons.push(item);
    }
  }
  return persons;
}

/** The value an argument has in a request: a literal, a variable's value (or its default), or undefined. */
function resolveValue(
  value: ValueNode | undefined,
  variables: Record<string, unknown>,
  defaults: ReadonlyMap<string, ValueNode>,
): unknown {
  if (!value) return undefined;
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    if (Object.hasOwn(variables, name)) return variables[name];
    const fallback = defaults.get(name);
    return fallback ? safeValueFromAST(fallback) : undefined;
  }
  if (value.kind === Kind.LIST) return value.values.map((item) => resolveValue(item, variables, defaults));
  return safeValueFromAST(value);
}

export interface OperationMeasure {
  /** `query`, `mutation` or `subscription`; `unknown` when the document has no such operation. */
  operationType: string;
  cost: number;
  /** The estimated size of the answer's JSON. */
  answerBytes: number;
  /** The persons named, a person named twice counted twice: never fewer than the distinct ones. */
  namedPersons: number;
  /** The distinct persons named; counted when first read (a 1000-person request under the limit never needs to). */
  readonly distinctPersons: number;
}

/** A class, not an object literal with a getter: on Node 20 such a literal takes about 0.8 µs to make. */
class Measure implements OperationMeasure {
  private distinct: number | undefined;
  readonly cost: number;
  readonly answerBytes: number;

  constructor(
    readonly operationType: string,
    size: Size,
    private readonly persons: readonly string[],
  ) {
    this.cost = size.cost;
    this.answerBytes = size.bytes;
  }

  get namedPersons(): number {
    return this.persons.length;
  }

  get distinctPersons(): number {
    return (this.distinct ??= this.persons.length < 2 ? this.persons.length : new Set(this.persons).size);
  }
}

function findOperation(document: DocumentNode, operationName: string | null | undefined) {
  let found: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName) {
      if (definition.name?.value === operationName) return definition;
    } else {
      if (found) return undefined; // several operations and no name: graphql-js refuses to pick one
      found = definition;
    }
  }
  return found;
}

/** The cost and the estimated answer bytes of a selection. */
interface Size {
  cost: number;
  bytes: number;
}

const NOTHING: Size = Object.freeze({ cost: 0, bytes: 0 });

/** Per leaf field definition (one per type and field of a schema), its {@link leafBytes}: measured on every request. */
const leafBytesOf = new WeakMap<GraphQLField<unknown, unknown>, number>();

/** The estimated JSON bytes of one value of a leaf field (see {@link LEAF_BYTES_BY_FIELD}). */
function leafBytes(parentType: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, type: GraphQLType): number {
  let bytes = leafBytesOf.get(field);
  if (bytes === undefined)
    leafBytesOf.set(field, (bytes = estimateLeafBytes(`${parentType.name}.${field.name}`, type)));
  return bytes;
}

function estimateLeafBytes(coordinate: string, type: GraphQLType): number {
  const byField = LEAF_BYTES_BY_FIELD[coordinate];
  if (byField !== undefined) return byField;
  const name = (type as { name?: unknown }).name;
  const byType = typeof name === 'string' ? LEAF_BYTES_BY_TYPE[name] : undefined;
  if (byType !== undefined) return byType;
  if (typeTag(type) === 'GraphQLEnumType') {
    let longest = 0;
    for (const value of (type as GraphQLEnumType).getValues()) longest = Math.max(longest, value.name.length);
    return longest + 2;
  }
  return DEFAULT_LEAF_BYTES;
}

class CostMeter {
  /** The arguments person ids are given in (`Query.person(id:)`, `Query.persons(ids:)`), as met. */
  readonly personArguments: ValueNode[] = [];
  /** A `persons(ids:)` list is a variable: the size holds for these variables only. */
  sizedByVariables = false;
  readonly variableDefaults = new Map<string, ValueNode>();
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly memo = new Map<string, Size>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    private readonly variables: Record<string, unknown>,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
    for (const variable of operation.variableDefinitions ?? []) {
      if (variable.defaultValue) this.variableDefaults.set(variable.variable.name.value, variable.defaultValue);
    }
  }

  selectionSet(parentType: GraphQLCompositeType, selectionSet: SelectionSetNode | undefined): Size {
    if (!selectionSet) return NOTHING;
    let cost = 0;
    let bytes = 0;
    for (const selection of selectionSet.selections) {
      let inner: Size = NOTHING;
      if (selection.kind === Kind.FIELD) {
        inner = this.field(parentType, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parentType;
        if (isComposite(type)) inner = this.selectionSet(type, selection.selectionSet);
      } else {
        inner = this.fragment(selection.name.value);
      }
      cost += inner.cost;
      bytes += inner.bytes;
    }
    return { cost, bytes };
  }

  private fragment(name: string): Size {
    const known = this.memo.get(name);
    if (known !== undefined) return known;
    if (this.inProgress.has(name)) return NOTHING;
    const definition = this.fragments.get(name);
    const type = definition && this.schema.getType(definition.typeCondition.name.value);
    if (!definition || !isComposite(type)) return NOTHING;
    this.inProgress.add(name);
    const size = this.selectionSet(type, definition.selectionSet);
    this.inProgress.delete(name);
    this.memo.set(name, size);
    return size;
  }

  private field(parentType: GraphQLCompositeType, node: FieldNode): Size {
    const definition = fieldDefinition(this.schema, parentType, node.name.value);
    if (!definition) return NOTHING;
    const isQueryRoot = parentType === this.schema.getQueryType();
    const isPersons = isQueryRoot && definition.name === 'persons';
    if (isQueryRoot && definition.name === 'person') this.collectPersons(argumentValue(node, 'id'));
    if (isPersons) this.collectPersons(argumentValue(node, 'ids'));

    let namedType: GraphQLType = definition.type;
    let levels = 0;
    while (isWrapping(namedType)) {
      if (typeTag(namedType) === 'GraphQLList') levels++;
      namedType = namedType.ofType;
    }
    const composite: GraphQLCompositeType | undefined = isComposite(namedType) ? namedType : undefined;
    let size = 1;
    if (levels > 0) {
      size = isPersons
        ? this.listLength(argumentValue(node, 'ids'))
        : (LIST_SIZES[`${parentType.name}.${definition.name}`] ?? DEFAULT_LIST_SIZE);
      for (let level = 1; level < levels; level++) size *= DEFAULT_LIST_SIZE;
    }
    const member = (node.alias ?? node.name).value.length + MEMBER_OVERHEAD_BYTES + (levels > 0 ? 2 : 0);
    if (!composite) return { cost: 0, bytes: member + size * (leafBytes(parentType, definition, namedType) + 1) };
    const inner = this.selectionSet(composite, node.selectionSet);
    return { cost: size * (1 + inner.cost), bytes: member + size * (2 + inner.bytes) };
  }

  private listLength(value: ValueNode | undefined): number {
    // A literal list's length is the same in every request (its items may be variables); a variable's is not.
    if (value?.kind === Kind.VARIABLE) this.sizedByVariables = true;
    const resolved = resolveValue(value, this.variables, this.variableDefaults);
    if (Array.isArray(resolved)) return resolved.length;
    return resolved === undefined || resolved === null ? 0 : 1;
  }

  private collectPersons(value: ValueNode | undefined): void {
    if (value) this.personArguments.push(value);
  }
}

function argumentValue(node: FieldNode, name: string): ValueNode | undefined {
  return node.arguments?.find((argument) => argument.name.value === name)?.value;
}

function safeValueFromAST(value: ValueNode): unknown {
  try {
    return valueFromASTUntyped(value);
  } catch {
    return undefined; // a variable nested in an object literal without a value, or similar oddities
  }
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode): GraphQLObjectType | undefined {
  const type =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return type ?? undefined;
}

/** The field `name` of `parentType`, the introspection meta-fields included; undefined when there is none. */
function fieldDefinition(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  if (hasFields(parentType)) return parentType.getFields()[name];
  return undefined;
}

/** The named type under the list/non-null wrappers, when it is an object, interface or union. */
function compositeNamedType(type: GraphQLType): GraphQLCompositeType | undefined {
  let named = type;
  while (isWrapping(named)) named = named.ofType;
  return isComposite(named) ? named : undefined;
}

/*
 * graphql-js's type predicates (`isListType`, …) use `instanceof`, so a schema built by another copy of graphql (its
 * ESM build next to the CommonJS one, as Vite resolved it for our sources before vitest.config.ts aliased it) is
 * foreign to them. Both builds tag their classes with `Symbol.toStringTag`, which is what is checked here: the limits
 * are a security check and must not depend on module resolution.
 */
function typeTag(type: unknown): string | undefined {
  if (typeof type !== 'object' || type === null) return undefined;
  const tag: unknown = (type as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return typeof tag === 'string' ? tag : undefined;
}

function isWrapping(type: unknown): type is GraphQLList<GraphQLType> | GraphQLNonNull<GraphQLType> {
  const tag = typeTag(type);
  return tag === 'GraphQLList' || tag === 'GraphQLNonNull';
}

function hasFields(type: unknown): type is GraphQLObjectType | GraphQLInterfaceType {
  const tag = typeTag(type);
  return tag === 'GraphQLObjectType' || tag === 'GraphQLInterfaceType';
}

function isComposite(type: unknown): type is GraphQLCompositeType {
  return hasFields(type) || typeTag(type) === 'GraphQLUnionType';
}

// ---------------------------------------------------------------------------------------------------------------------
// Apollo plugin
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Why the limits refuse an operation of this measure (HTTP 400), or undefined when they let it run. Too many persons
 * first: the more specific refusal (a long `ids` list is costly too). Distinct persons are counted only when more are
 * named than the limit allows.
 */
export function limitRefusal(measure: OperationMeasure, limits: QueryLimits): GraphQLError | undefined {
  if (measure.namedPersons > limits.maxPersons && measure.distinctPersons > limits.maxPersons) {
    return new GraphQLError(
      `The request names ${measure.distinctPersons} distinct persons; the maximum is ${limits.maxPersons}: split them over several requests.`,
      { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
    );
  }
  if (measure.cost > limits.maxCost) {
    return new GraphQLError(`Query cost ${measure.cost} exceeds the maximum of ${limits.maxCost}.`, {
      extensions: {
        code: 'GRAPHQL_VALIDATION_FAILED',
        http: { status: 400 },
        cost: measure.cost,
        maxCost: limits.maxCost,
      },
    });
  }
  // A limits object from before maxAnswerBytes existed still gets the default: this bound is never silently off.
  const maxAnswerBytes = limits.maxAnswerBytes ?? DEFAULT_QUERY_LIMITS.maxAnswerBytes;
  if (measure.answerBytes > maxAnswerBytes) {
    return new GraphQLError(
      `The answer to this query could take about ${megabytes(measure.answerBytes)} MB; the maximum is ${megabytes(maxAnswerBytes)} MB: select fewer fields or aliases, or split the persons over several requests.`,
      {
        extensions: {
          code: 'GRAPHQL_VALIDATION_FAILED',
          http: { status: 400 },
          answerBytes: measure.answerBytes,
          maxAnswerBytes,
        },
      },
    );
  }
  return undefined;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * Runs {@link measureOperation} once the operation is resolved (after parsing and validation, before execution) and
 * refuses the request with HTTP 400 when it is too costly or names too many distinct persons: nothing executes.
 * Messages carry counts and limits only, never an argument value. Given `admission`, it then holds the operation until
 * its cost fits the budget of operations executing at once (released when the response is ready). An operation
 * already measured within the limits and admitted at the door (graphql/admission.ts, RequestAdmission) is neither
 * measured nor admitted again.
 */
export function queryLimitsPlugin<TContext extends BaseContext = BaseContext>(
  limits: QueryLimits,
  admission?: Admission,
  /** Whether the operation was measured within the limits and admitted at the door (RequestAdmission). */
  admittedAtTheDoor?: (context: TContext) => boolean,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let release: (() => void) | undefined;
      return {
        async willSendResponse() {
          release?.();
        },
        async didResolveOperation({ schema, document, request, contextValue }) {
          if (admittedAtTheDoor?.(contextValue)) return;
          const measure = measureOperation({
            schema,
            document,
            operationName: request.operationName ?? null,
            variables: request.variables ?? null,
          });
          const refusal = limitRefusal(measure, limits);
          if (refusal) throw refusal;
          release = await admission?.acquire(measure.cost);
        },
      };
    },
  };
}
