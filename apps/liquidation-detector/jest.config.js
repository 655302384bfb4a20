module.exports = {
  displayName: 'liquidation-detector',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
