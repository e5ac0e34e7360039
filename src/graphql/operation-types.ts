import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Refuses an operation whose type the schema has no root for (a `subscription`: this API has none). graphql-js 16 does
 * not validate that; its executor then throws a request error Apollo cannot classify, which went out as
 * INTERNAL_SERVER_ERROR and a fault line in the log, at any caller's will.
 */
export const supportedOperationTypesRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(operation) {
    if (!context.getSchema().getRootType(operation.operation)) {
      context.reportError(
        new GraphQLError(`This API has no ${operation.operation} operations: send a query or a mutation over HTTP.`, {
          nodes: [operation],
        }),
      );
    }
    return false;
  },
});
