import { pino, type DestinationStream, type Logger } from 'pino';

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
    },
    opts.destination,
  );
}
