/** Per-request admin API state (loaders); filled in by the client administration domain. */
export interface ClientsContext {
  readonly available: boolean;
}
