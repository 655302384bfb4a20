module.exports = require('../../tools/build/webpack.app')('flow-aggregator');
