/**
 * What a personal id looks like where it must never stand (log lines, spans, error messages, request ids): a run of
 * 11 digits or more, which covers a fødselsnummer, D- and H-numbers, and one hidden in a longer run
 * (`q_118226489500`). One rule, so every place that keeps ids out keeps out the same ones.
 */
const RUNS = /\d{11,}/g;
const RUN = /\d{11}/;

/** `text` with every such run replaced by `[redacted]`. */
export function redactPersonalIds(text: string): string {
  return text.replace(RUNS, '[redacted]');
}

/** Whether `text` holds such a run. */
export function mayHoldPersonalId(text: string): boolean {
  return RUN.test(text);
}
