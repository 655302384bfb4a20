module.exports = {
  displayName: 'data-access-flow',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
