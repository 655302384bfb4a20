module.exports = {
  displayName: 'domain-flow',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
