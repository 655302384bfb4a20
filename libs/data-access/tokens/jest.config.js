module.exports = {
  displayName: 'data-access-tokens',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
