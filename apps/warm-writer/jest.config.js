module.exports = {
  displayName: 'warm-writer',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
