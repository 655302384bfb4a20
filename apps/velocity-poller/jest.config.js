module.exports = {
  displayName: 'velocity-poller',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
