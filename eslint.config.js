// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'src/generated',
      'examples/consumer/src/gql',
      'examples/web/src/gql',
      'examples/web/dist',
      'coverage',
      'bench/results',
      'dist',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/main.ts', 'src/sandbox/main.ts', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Plain Node, run as is so that the gateway loads nothing of ours (bench/compare-mesh.ts).
    files: ['bench/mesh/*.mjs', 'bench/independent-krr/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', fetch: 'readonly', URL: 'readonly' },
    },
  },
  {
    // A CommonJS package put in place of a dependency's (vendor/apollo-utils-createhash/README.md).
    files: ['vendor/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
