// Shared Jest settings for every project: SWC transforms TypeScript with decorator metadata
// (type checking is the separate `typecheck` target), and tsconfig paths map @mdp/* to source.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
    '^.+/node_modules/trading-signals/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  // ES-module-only packages (trading-signals, used by @mdp/domain-flow) are turned into CommonJS too.
  transformIgnorePatterns: ['/node_modules/(?!trading-signals/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(path.join(__dirname, 'tsconfig.base.json')),
  testMatch: ['**/?(*.)+(spec|integration-spec).ts'],
  globalSetup: path.join(__dirname, 'libs/testing/src/lib/global-setup.ts'),
  globalTeardown: path.join(__dirname, 'libs/testing/src/lib/global-teardown.ts'),
  setupFiles: [require.resolve('reflect-metadata')],
  testTimeout: 30000,
};
