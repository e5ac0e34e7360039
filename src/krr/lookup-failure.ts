/**
 * Why an id's look-up has no person: its upstream call failed (one instance shared by every id of that call), or its
 * record in KRR's answer could not be read (krr/client.ts).
 */
export class LookupFailure {
  constructor(
    readonly reason: unknown,
    /**
     * The refusal of a call that also held other ids, its isolation stopped (the request's split budget spent, or the
     * deadline passed) before this id stood alone: KRR may have refused another id. Only the request that put the id
     * into the batch gets it; any other request that asked for the id asks again, on its own (see loadMany).
     */
    readonly notIsolated = false,
  ) {}
}
