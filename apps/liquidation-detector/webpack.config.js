module.exports = require('../../tools/build/webpack.app')('liquidation-detector');
