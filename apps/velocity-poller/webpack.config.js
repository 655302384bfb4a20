module.exports = require('../../tools/build/webpack.app')('velocity-poller');
