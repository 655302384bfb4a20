const preset = require('../../jest.preset.js');

// trading-signals ships ES modules only: SWC turns them into CommonJS for Jest.
module.exports = {
  displayName: 'flow-aggregator',
  preset: '../../jest.preset.js',
  rootDir: '.',
  transform: {
    ...preset.transform,
    '^.+/node_modules/trading-signals/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!trading-signals/)'],
};
