module.exports = {
  displayName: 'transport',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
