// `nx run tools:build` bundles the stand-in CoinMarketCap server into dist/apps/cmc-stand-in/main.js
// (its image serves the velocity poller in Compose and in the dev Kubernetes overlay).
module.exports = require('../build/webpack.app')('cmc-stand-in', 'tools/cmc-stand-in/main.ts');
