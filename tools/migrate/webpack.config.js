// `nx run tools:build` bundles the migration command into dist/apps/migrate/main.js, so the migrate
// image runs it with production dependencies only (`node dist/apps/migrate/main.js migrate`).
module.exports = require('../build/webpack.app')('migrate', 'tools/migrate/migrate.ts');
