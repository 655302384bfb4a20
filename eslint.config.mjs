import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const ALL_LIBS = [
  'type:transport',
  'type:data-access',
  'type:domain',
  'type:schemas',
  'type:platform',
  'type:testing',
];
const FRAMEWORK_AND_IO = [
  '@nestjs/*',
  'typeorm',
  'ioredis',
  'pg',
  'pg-copy-streams',
  'ws',
  'express',
  'msgpackr',
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '.nx/**',
      'tmp/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@mdp/schemas/testing'],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ALL_LIBS },
            {
              sourceTag: 'type:transport',
              onlyDependOnLibsWithTags: ['type:schemas', 'type:platform', 'type:testing'],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:domain', 'type:schemas', 'type:platform', 'type:testing'],
            },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:schemas', 'type:domain'],
              bannedExternalImports: FRAMEWORK_AND_IO,
            },
            {
              sourceTag: 'type:schemas',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: FRAMEWORK_AND_IO,
            },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:schemas', 'type:platform'] },
            { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ALL_LIBS },
            // Fault tests start the apps as processes and may use their test harnesses.
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: [...ALL_LIBS, 'type:app'] },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    // The test harness is for tests and benchmarks only.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts', 'libs/*/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.integration-spec.ts', 'libs/testing/**', 'libs/**/src/testing.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@mdp/testing', message: '@mdp/testing is for tests only' }],
          patterns: ['@mdp/schemas/testing'],
        },
      ],
    },
  },
  {
    // Benchmarks and launchers measure and run the apps themselves, so they may reach into them;
    // so do the fault tests (e2e), which reuse the apps' test stand-ins.
    files: ['tools/bench/**/*.ts', 'tools/start/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
];
