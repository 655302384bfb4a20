module.exports = {
  displayName: 'data-access-warm-store',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
