module.exports = require('../../tools/build/webpack.app')('warm-writer');
