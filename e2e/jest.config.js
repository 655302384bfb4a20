module.exports = {
  displayName: 'e2e',
  preset: '../jest.preset.js',
  rootDir: '.',
  // Each fault test starts services as child processes and waits on them.
  testTimeout: 180_000,
};
