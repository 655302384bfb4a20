// Builds the web view (apps/web) into dist/apps/web: index.html, app.js and app.css (with source
// maps), bundled by esbuild with every dependency inside (no CDN, no external fonts: it works
// offline). The gateway serves that directory at /app/ (WEB_VIEW_DIR). `--watch` rebuilds on change.
const { copyFileSync, mkdirSync, rmSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '../..');
const outdir = path.join(root, 'dist/apps/web');

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: { app: path.join(__dirname, 'src/main.ts') },
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  conditions: ['production'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

async function main() {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  copyFileSync(path.join(__dirname, 'src/index.html'), path.join(outdir, 'index.html'));
  if (process.argv.includes('--watch')) {
    const context = await esbuild.context(options);
    await context.watch();
    process.stdout.write(`web view: watching, writing ${outdir}\n`);
    return;
  }
  await esbuild.build(options);
  process.stdout.write(`web view built in ${path.relative(root, outdir)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
