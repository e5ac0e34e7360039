import { pino, type DestinationStream, type Logger } from 'pino';
import { redactPersonalIds } from './personal-ids.js';

/**
 * Paths that may carry secrets or personal data. The facade never logs such values on purpose; redaction is the
 * second line of defence for objects logged whole (errors, request headers).
 */
const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'access_token',
  'assertion',
  'client_secret',
  'clientSecret',
  'password',
  'privateKey',
  'personidentifikator',
  'personidentifikatorer',
  'ids',
  'variables',
  '*.authorization',
  '*.access_token',
  '*.client_secret',
  '*.clientSecret',
  '*.assertion',
  '*.variables',
];

export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'digdir-graphql-facade' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line is scrubbed of id-like digit runs as it is written, whatever put them there (an operation name such
      // as `lookup-11822648950`, a caller's header, an error message): ids belong in the audit stream only.
      hooks: { streamWrite: redactPersonalIds },
    },
    opts.destination,
  );
}
