import type { ApolloServerPlugin } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';

/** Where a request's long answer is left for the HTTP layer (see {@link AnswerHandOff}). */
interface Slot {
  answer?: FormattedExecutionResult;
}
/**
 * A symbol-keyed property of the context: Apollo runs a request with a shallow copy of the context the HTTP layer
 * made (`cloneObject` in ApolloServer.js), so the object itself cannot be the key, but its own properties are copied.
 */
const SLOT = Symbol('answer hand-off');
type Holder = { [SLOT]?: Slot };
const SHARED = Symbol('data of more than one request');

/**
 * Long answers handed from Apollo to the HTTP layer as objects, not as one string. Apollo turns every single result
 * into one string with its `stringifyResult`, and a 1000-person answer's string is larger than V8's large-object size
 * (http/json-pieces.ts says what that costs). For a request whose context the HTTP layer marked ({@link expect}), the
 * plugin notes whose answer the result's `data` is; `stringifyResult` then leaves an answer worth writing in pieces for
 * that request and gives Apollo an empty string, and the HTTP layer {@link take}s the answer and writes it in pieces.
 * Every other answer is Apollo's own string, as before.
 */
export class AnswerHandOff<Context extends object> {
  /**
   * A result's `data` → its request's slot. The executors make each request's data an object of its own; should one
   * object ever answer two requests at once (a plugin sharing results), it is {@link SHARED} and goes to Apollo.
   */
  readonly #owners = new WeakMap<object, Slot | typeof SHARED>();

  /** @param worthPieces whether an answer is long enough to be written in pieces (http/json-pieces.ts, hasLongList) */
  constructor(private readonly worthPieces: (answer: FormattedExecutionResult) => boolean) {}

  /** Marks a context the HTTP layer made: its request's long answer is left for {@link take}. */
  expect(context: Context): Context {
    (context as Holder)[SLOT] = {};
    return context;
  }

  /** The long answer left for this context, if any; the response body Apollo gave for it is then empty. */
  take(context: Context): FormattedExecutionResult | undefined {
    const slot = (context as Holder)[SLOT];
    const answer = slot?.answer;
    if (slot) slot.answer = undefined;
    return answer;
  }

  readonly plugin: ApolloServerPlugin<Context> = {
    requestDidStart: async ({ contextValue }) => {
      const slot = (contextValue as Holder)[SLOT];
      if (!slot) return;
      return {
        willSendResponse: async ({ response }) => {
          if (response.body.kind !== 'single') return;
          const { data } = response.body.singleResult;
          if (typeof data === 'object' && data !== null) {
            this.#owners.set(data, this.#owners.has(data) ? SHARED : slot);
          }
        },
      };
    },
  };

  /** Apollo's `stringifyResult` (its default is `JSON.stringify(value) + '\n'`). */
  readonly stringifyResult = (value: FormattedExecutionResult): string => {
    const { data } = value;
    const slot = typeof data === 'object' && data !== null ? this.#owners.get(data) : undefined;
    if (slot !== undefined && slot !== SHARED) {
      this.#owners.delete(data!);
      if (this.worthPieces(value)) {
        slot.answer = value;
        return '';
      }
    }
    return JSON.stringify(value) + '\n';
  };
}
