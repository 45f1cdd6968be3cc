// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'stream',
  'util',
  'events',
  'worker_threads',
  'dns',
  'tls',
  'zlib',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      'coverage/',
      'tools/',
      'test-artifacts/',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Configuration is read once, in src/config/env.ts, by the composition roots.
    files: ['src/**/*.ts', 'activities/**/*.ts', 'workflows/**/*.ts', 'workers/**/*.ts'],
    ignores: ['src/config/env.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in src/config/env.ts only.' },
      ],
    },
  },
  {
    // Workflows are deterministic and run in a sandbox: no I/O, no Node built-ins, activities as types only.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({ name, message: 'No Node built-ins in workflow code.' })),
            { name: 'mongoose', message: 'Workflows never touch the database: use an activity.' },
            { name: 'axios', message: 'Workflows never do I/O: use an activity.' },
          ],
          patterns: [
            {
              // src/providers/official-providers.ts is pure data (each official provider's name, steps, routing key).
              group: ['**/src/providers/**', '!**/src/providers/official-providers', '**/src/db/**'],
              message: 'Workflows never call providers or the database: use an activity.',
            },
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only (proxyActivities).',
            },
          ],
        },
      ],
    },
  },
);
