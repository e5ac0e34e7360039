import { describe, expect, it } from 'vitest';
import { RequestLoader } from '../../src/krr/request-loader.js';

/** A loader answering `id → id.toUpperCase()`, recording each fetch's ids. */
function loader(answer: (ids: readonly string[]) => Promise<readonly (string | Error)[]> = upper) {
  const fetches: string[][] = [];
  const l = new RequestLoader<string>((ids) => {
    fetches.push([...ids]);
    return answer(ids);
  });
  return { l, fetches };
}

const upper = (ids: readonly string[]) => Promise.resolve(ids.map((id) => id.toUpperCase()));

describe('RequestLoader', () => {
  it('fetches the ids asked for in one turn together, each once, and answers in order', async () => {
    const { l, fetches } = loader();
    const [a, b] = await Promise.all([l.loadMany(['x', 'y', 'x']), l.loadMany(['y', 'z'])]);
    expect(a).toEqual(['X', 'Y', 'X']);
    expect(b).toEqual(['Y', 'Z']);
    expect(fetches).toEqual([['x', 'y', 'z']]);
  });

  it('answers an id fetched earlier in the request without fetching it again', async () => {
    const { l, fetches } = loader();
    await l.loadMany(['x']);
    expect(await l.loadMany(['y', 'x'])).toEqual(['Y', 'X']);
    expect(fetches).toEqual([['x'], ['y']]);
  });

  it('waits for a fetch still running for an id asked for again', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { l, fetches } = loader(async (ids) => {
      await gate;
      return ids.map((id) => id.toUpperCase());
    });
    const first = l.loadMany(['x']);
    await new Promise((resolve) => setImmediate(resolve)); // the first fetch has started
    const second = l.loadMany(['x', 'y']);
    release();
    expect(await first).toEqual(['X']);
    expect(await second).toEqual(['X', 'Y']);
    expect(fetches).toEqual([['x'], ['y']]);
  });

  it('answers an Error for every id of a failed fetch, and for ids a fetch left without an answer', async () => {
    const failing = loader(() => Promise.reject(new Error('down')));
    const failed = await failing.l.loadMany(['x', 'y']);
    expect(failed.map((r) => (r as Error).message)).toEqual(['down', 'down']);
    const short = loader((ids) => Promise.resolve(ids.slice(1).map((id) => id.toUpperCase())));
    const answers = await short.l.loadMany(['x', 'y']);
    expect(answers[0]).toBe('Y'); // answers are by position: the fetch's contract is one per id, in order
    expect(answers[1]).toBeInstanceOf(Error);
  });

  it('takes a first look-up of distinct ids without an index, and still shares and remembers its ids', async () => {
    const { l, fetches } = loader();
    // The first look-up's ids and another look-up's in the same turn go out together.
    const asked = ['x', 'y'];
    const [a, b] = await Promise.all([l.loadMany(asked, true), l.loadMany(['y', 'z', 'y'])]);
    expect(asked).toEqual(['x', 'y']); // the caller's list is not the queue the other look-up joined
    expect(a).toEqual(['X', 'Y']);
    expect(b).toEqual(['Y', 'Z', 'Y']);
    expect(fetches).toEqual([['x', 'y', 'z']]);
    // Later look-ups find them (distinct or not), and fetch only the new ones.
    expect(await l.loadMany(['z', 'w', 'x'], true)).toEqual(['Z', 'W', 'X']);
    expect(await l.loadMany(['w', 'v'])).toEqual(['W', 'V']);
    expect(fetches).toEqual([['x', 'y', 'z'], ['w'], ['v']]);
  });

  it("answers a first look-up of distinct ids with its fetch's failure, and with nothing for no ids", async () => {
    const failing = loader(() => Promise.reject(new Error('down')));
    expect((await failing.l.loadMany(['x', 'y'], true)).map((r) => (r as Error).message)).toEqual(['down', 'down']);
    const { l, fetches } = loader();
    expect(await l.loadMany([], true)).toEqual([]);
    expect(await l.loadMany(['x'], true)).toEqual(['X']);
    expect(fetches).toEqual([['x']]);
    // A look-up of no ids that made an (empty) index first: a later first look-up is still found by the next one.
    const indexed = loader();
    expect(await indexed.l.loadMany([])).toEqual([]);
    expect(await indexed.l.loadMany(['x'], true)).toEqual(['X']);
    expect(await indexed.l.loadMany(['x', 'y'])).toEqual(['X', 'Y']);
    expect(indexed.fetches).toEqual([['x'], ['y']]);
  });
});
