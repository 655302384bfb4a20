module.exports = {
  displayName: 'domain-velocity',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
