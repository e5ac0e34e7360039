import { describe, expect, it } from 'vitest';
import { UpstreamOutcomeUnknownError, UpstreamUnavailableError, writeFailure } from '../../src/upstream/errors.js';

describe('writeFailure: what is known of a failed write to the admin API', () => {
  it('calls the outcome unknown when the change may have reached the admin API', () => {
    for (const err of [
      new UpstreamUnavailableError('admin', 'timeout'),
      new UpstreamUnavailableError('admin', 'unreadable answer'),
      new UpstreamUnavailableError('admin', 'HTTP 500', 500),
      new UpstreamUnavailableError('admin', 'HTTP 502', 502),
      new UpstreamUnavailableError('admin', 'HTTP 504', 504),
    ]) {
      expect(writeFailure(err, 'admin'), err.reason).toBeInstanceOf(UpstreamOutcomeUnknownError);
    }
  });

  it('leaves a failure that cannot have changed anything as it is', () => {
    for (const err of [
      new UpstreamUnavailableError('admin', 'HTTP 503', 503),
      new UpstreamUnavailableError('admin', 'econnrefused'),
      new UpstreamUnavailableError('admin', 'circuit open'),
      // Maskinporten's token failed before anything was sent to the admin API.
      new UpstreamUnavailableError('maskinporten', 'timeout'),
      new UpstreamUnavailableError('maskinporten', 'unreadable answer'),
      new Error('something else'),
    ]) {
      expect(writeFailure(err, 'admin'), String(err)).toBe(err);
    }
  });
});
