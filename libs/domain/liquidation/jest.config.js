module.exports = {
  displayName: 'domain-liquidation',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
