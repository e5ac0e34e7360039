import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for a consumer of the facade, with GraphQL Code Generator's client preset.
 *
 * Paths are relative to this directory (`cwd`), so `graphql-codegen --config examples/consumer/codegen.ts` works from
 * anywhere. Against a running facade instead of `schema/`, see README.md (introspection with a bearer token).
 */
const config: CodegenConfig = {
  cwd: fileURLToPath(new URL('.', import.meta.url)),
  schema: '../../schema/*.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  overwrite: true,
  // NodeNext: relative imports in the generated files end in `.js`.
  emitLegacyCommonJSImports: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        // A fetch client reads whole results; fragment masking is for component trees.
        fragmentMasking: false,
        // Writes src/gql/persisted-documents.json (sha256 hex -> document): the facade's TRUSTED_DOCUMENTS_FILE.
        // Each generated document carries its hash as `__meta__.hash`.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        useTypeImports: true,
        onlyOperationTypes: true,
        enumsAsTypes: true,
        scalars: {
          PersonIdentifier: 'string',
          OrganizationNumber: 'string',
          DateTime: 'string',
          URL: 'string',
        },
      },
    },
  },
};

export default config;
