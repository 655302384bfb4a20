module.exports = {
  displayName: 'tools',
  preset: '../jest.preset.js',
  rootDir: '.',
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/'],
};
