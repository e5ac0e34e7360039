import { Dispatcher, errors, Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { Pool as FacadePool, undiciErrors, undiciRequest } from '../../src/upstream/undici-parts.js';

describe("the facade's parts of undici (required from their files, not the index)", () => {
  it('are the Pool, request and error classes undici exports', () => {
    expect(FacadePool).toBe(Pool);
    expect(undiciRequest).toBe(Dispatcher.prototype.request);
    expect(undiciErrors).toBe(errors);
    for (const name of [
      'ResponseExceededMaxSizeError',
      'HeadersTimeoutError',
      'BodyTimeoutError',
      'ConnectTimeoutError',
    ] as const) {
      expect(typeof undiciErrors[name]).toBe('function');
    }
  });
});
