// Every project with a jest.config.js under apps/ and libs/, plus tools/ and e2e/ (unit and integration specs),
// run as one Jest invocation so the summary counts every test.
const fs = require('node:fs');
const path = require('node:path');

function findProjects(dir, depth = 0) {
  if (!fs.existsSync(dir) || depth > 2) return [];
  if (fs.existsSync(path.join(dir, 'jest.config.js')) && depth > 0) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
    .flatMap((entry) => findProjects(path.join(dir, entry.name), depth + 1));
}

module.exports = {
  // Global options (a project config cannot set these).
  testTimeout: 60_000,
  projects: [
    ...findProjects(path.join(__dirname, 'apps')),
    ...findProjects(path.join(__dirname, 'libs')),
    path.join(__dirname, 'tools'),
    // Fault tests of the whole pipeline (services as child processes).
    path.join(__dirname, 'e2e'),
  ],
};
