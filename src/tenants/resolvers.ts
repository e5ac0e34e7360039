import type { Resolvers } from '../generated/graphql.js';

/** `Query.me`: what the caller's verified token says, and who its look-ups are made for. */
export const callerResolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => ({
      subject: ctx.caller.subject,
      clientId: ctx.caller.clientId ?? null,
      scopes: [...ctx.caller.scopes].sort(),
      actingFor: ctx.actingFor,
    }),
  },
};
