import { destination, pino, type DestinationStream, type Logger } from 'pino';
import { redactPersonalIds } from './personal-ids.js';

/** pino's own file-descriptor stream (sonic-boom). */
type Destination = ReturnType<typeof destination>;

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

/** Base64url of a JSON object (`{"` is `eyJ`) and the segments joined to it: a JWT, or a part of one. */
const JWT_LIKE = /eyJ[\w-]{6,}(?:\.[\w-]*){0,2}/g;

/** Log output gathered before it is written (unless {@link STDOUT_FLUSH_MS} passes first). */
const STDOUT_BATCH_BYTES = 4096;
/** The longest a line waits in the batch. */
const STDOUT_FLUSH_MS = 250;

let stdout: DestinationStream | undefined;

/**
 * Standard output, shared by every logger of the process, written in batches: lines are gathered up to
 * {@link STDOUT_BATCH_BYTES} and written together (one system call for a dozen access lines: a one-person query's
 * access line cost 9–10 µs written on its own, 3 µs so), or {@link STDOUT_FLUSH_MS} after the first line of a batch
 * when traffic is light, and what is left is written when the process exits, by `process.exit` or an uncaught error
 * alike. Writes stay synchronous, so lines keep their order; a process killed outright loses at most the batch.
 * (sonic-boom's own `periodicFlush` would wake an idle process four times a second to write nothing.)
 */
function stdoutDestination(): DestinationStream {
  if (!stdout) {
    const batch: Destination = destination({ dest: 1, sync: true, minLength: STDOUT_BATCH_BYTES });
    process.on('exit', () => {
      try {
        batch.flushSync();
      } catch {
        // stdout is gone (its reader closed it): there is nowhere left to write
      }
    });
    let flushTimer: NodeJS.Timeout | undefined;
    const flushLater = () => {
      flushTimer = undefined;
      batch.flush();
    };
    stdout = {
      write(line: string) {
        batch.write(line);
        flushTimer ??= setTimeout(flushLater, STDOUT_FLUSH_MS).unref();
      },
    };
  }
  return stdout;
}

/** A JSON logger to `destination`, or to {@link stdoutDestination}. */
export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'digdir-graphql-facade' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line is scrubbed of id-like digit runs and of anything JWT-like as it is written, whatever put them there
      // (an operation name such as `lookup-11822648950`, a caller's header, a refused token's claims, an error
      // message): ids belong in the audit stream only, tokens nowhere.
      hooks: { streamWrite: (line) => redactPersonalIds(line).replace(JWT_LIKE, '[redacted]') },
    },
    opts.destination ?? stdoutDestination(),
  );
}

/**
 * `log` without path redaction, for lines whose fields are scalars the facade chose itself (the access log): the
 * redaction copies every object logged, half the cost of a line, and finds nothing in such a one. The id scrub on
 * every written line still applies.
 */
export function unredacted(log: Logger): Logger {
  return log.child({}, { redact: [] });
}
