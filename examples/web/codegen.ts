import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

/**
 * Typed operations for the web example, with GraphQL Code Generator's client preset (`npm run examples:web:codegen`).
 *
 * Paths are relative to this directory (`cwd`). Writes `src/gql/`, including `src/gql/persisted-documents.json`: the
 * trusted-documents manifest a facade started with `TRUSTED_DOCUMENTS_FILE` accepts. The app sends only the sha256
 * hash each generated document carries as `__meta__.hash`.
 */
const config: CodegenConfig = {
  cwd: fileURLToPath(new URL('.', import.meta.url)),
  schema: '../../schema/*.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  overwrite: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      // urql's document cache learns which results a mutation invalidates from `__typename`: add it to every selection,
      // so the documents in the manifest (what the facade runs) select it too.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: {
        // Components read whole results here; fragment masking pays off with fragments colocated per component.
        fragmentMasking: false,
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
