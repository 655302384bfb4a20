module.exports = {
  displayName: 'domain-ingestion',
  preset: '../../../jest.preset.js',
  rootDir: '.',
};
