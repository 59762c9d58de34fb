// eslint (with typescript-eslint's recommended rules) over the whole repository; formatting is prettier's
// alone (.prettierrc.json), so eslint-config-prettier turns off the rules that would argue with it.
// `npm run lint` runs both checks; `npm test` runs it first.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '**/dist/', 'coverage/', 'data/', 'test-artifacts/', '.kafka/', 'apps/coordinator/src/http/openapi-metadata.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // A name starting with _ is there on purpose (a parameter a signature needs, a value destructured away).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The pages' scripts run in the browser, as ES modules.
    files: ['apps/coordinator/ui/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
  {
    // The repository's own scripts are CommonJS.
    files: ['scripts/**/*.js', 'apps/audit/bin/*.js', '*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
