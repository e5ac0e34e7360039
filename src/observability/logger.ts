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

/**
 * A run of 11 digits or more: a fødselsnummer, D- or H-number, or one hidden in a longer run (`q_118226489500`).
 * Nothing the facade logs on purpose has such a run (times are ISO strings; its request ids are chosen without one).
 */
const ELEVEN_DIGITS = /\d{11,}/g;

/**
 * Every line is scrubbed of 11-digit runs as it is written, whatever put them there (an operation name such as
 * `lookup-11822648950`, a caller's header, an error message): personal ids belong in the audit stream only, which
 * does not go through this logger.
 */
export function redactPersonalIds(line: string): string {
  return line.replace(ELEVEN_DIGITS, '[redacted]');
}

export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'digdir-graphql-facade' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: redactPersonalIds },
    },
    opts.destination,
  );
}
