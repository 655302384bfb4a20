// Bundles an app for `node dist/apps/<app>/main.js`: our TypeScript (the app and the @mdp/*
// libraries it imports) compiled by SWC with decorator metadata; npm packages stay external, so the
// image installs production dependencies only. Each app's webpack.config.js calls this with its name;
// a tool that ships in an image (tools/migrate, tools/cmc-stand-in) passes its entry file as well.
const path = require('node:path');
const root = path.resolve(__dirname, '../..');

const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));

const alias = {};
for (const [name, [target]] of Object.entries(compilerOptions.paths))
  alias[`${name}$`] = path.join(root, target);

module.exports = (app, entry = path.join('apps', app, 'src/main.ts')) => ({
  mode: 'production',
  target: 'node20',
  entry: path.join(root, entry),
  output: { path: path.join(root, 'dist/apps', app), filename: 'main.js', clean: true },
  devtool: 'source-map',
  optimization: { minimize: false },
  resolve: { extensions: ['.ts', '.js'], alias },
  externalsPresets: { node: true },
  externals: [
    ({ request }, callback) =>
      /^[./]/.test(request) || request.startsWith('@mdp/')
        ? callback()
        : callback(null, `commonjs ${request}`),
  ],
  module: {
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              parser: { syntax: 'typescript', decorators: true },
              transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
              target: 'es2022',
              keepClassNames: true,
            },
            module: { type: 'commonjs' },
          },
        },
      },
    ],
  },
});
