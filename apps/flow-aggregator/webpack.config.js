// Bundles the flow aggregator for `node dist/apps/flow-aggregator/main.js`: our TypeScript (the app and the
// @mdp/* libraries it imports) compiled by SWC with decorator metadata; npm packages stay external.
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));

const alias = {};
for (const [name, [target]] of Object.entries(compilerOptions.paths))
  alias[`${name}$`] = path.join(root, target);

module.exports = {
  mode: 'production',
  target: 'node20',
  entry: path.join(__dirname, 'src/main.ts'),
  output: { path: path.join(root, 'dist/apps/flow-aggregator'), filename: 'main.js', clean: true },
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
};
