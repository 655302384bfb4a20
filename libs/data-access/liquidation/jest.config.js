module.exports = {
  displayName: 'data-access-liquidation',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
