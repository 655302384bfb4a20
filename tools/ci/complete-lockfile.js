#!/usr/bin/env node
// Adds the platform-specific optional packages (other OSes and CPUs) that npm left out of
// package-lock.json (read from the installed packages' own package.json, so run it after `npm install`), which makes `npm ci` refuse the lockfile ("Missing: @swc/core-darwin-arm64@
// from lock file", npm/cli#4828, #8320). Each entry gets the version its parent pins, and the
// integrity, os and cpu the registry publishes. Run after changing dependencies:
//   node tools/ci/complete-lockfile.js && npm ci --dry-run --ignore-scripts
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const lockPath = path.join(root, 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const npm = (args) =>
  execFileSync('npm', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  if (key === '') continue;
  // The installed package.json still lists the optional dependencies the lock entry dropped.
  const manifestPath = path.join(root, key, 'package.json');
  if (!fs.existsSync(manifestPath)) continue;
  const optional = JSON.parse(fs.readFileSync(manifestPath, 'utf8')).optionalDependencies ?? {};
  if (Object.keys(optional).length > 0) entry.optionalDependencies = optional;
  for (const [name, spec] of Object.entries(optional)) {
    const target = `node_modules/${name}`;
    const nested = `${key}/node_modules/${name}`;
    if (lock.packages[target] || lock.packages[nested]) continue;
    let meta;
    try {
      meta = JSON.parse(
        npm([
          'view',
          `${name}@${spec}`,
          'version',
          'dist.integrity',
          'os',
          'cpu',
          'libc',
          'engines',
          'license',
          '--json',
        ]),
      );
      if (Array.isArray(meta)) meta = meta[meta.length - 1];
    } catch {
      // The registry this machine reaches serves no build for that platform. Record the package with
      // the platform its name says, so npm skips it here instead of failing to fetch it.
      meta = { version: spec, ...platformOf(name) };
    }
    const record = { version: meta.version };
    if (meta['dist.integrity']) record.integrity = meta['dist.integrity'];
    if (entry.dev) record.dev = true;
    record.optional = true;
    for (const field of ['cpu', 'os', 'libc']) if (meta[field]) record[field] = meta[field];
    if (meta.engines) record.engines = meta.engines;
    if (meta.license) record.license = meta.license;
    lock.packages[target] = record;
    added += 1;
  }
}
function platformOf(name) {
  const os = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix'].find(
    (candidate) => name.includes(`-${candidate}-`) || name.endsWith(`-${candidate}`),
  );
  const cpu = [
    'arm64',
    'x64',
    'ia32',
    'arm',
    'ppc64',
    's390x',
    'riscv64',
    'loong64',
    'mips64el',
    'wasm32',
  ].find((candidate) => name.includes(`-${candidate}`));
  const platform = {};
  if (os) platform.os = [os];
  if (cpu) platform.cpu = [cpu];
  if (!os && !cpu) platform.os = ['none'];
  return platform;
}

lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`added ${added} optional platform packages to package-lock.json\n`);
