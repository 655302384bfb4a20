module.exports = {
  displayName: 'flow-aggregator',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
