import type { SqlSession } from './sql/sql-session';
import type { WarmStoreMode } from './warm-store-mode';

/**
 * The mode a migrated database is in, from its schema history (the mode its migrations ran in).
 * Throws when the database has not been migrated.
 */
export async function detectInstalledMode(session: SqlSession): Promise<WarmStoreMode> {
  const { rows: tables } = await session.query<{ present: boolean }>(
    `SELECT to_regclass('warm_schema_history') IS NOT NULL AS present`,
  );
  if (tables[0]?.present) {
    const { rows } = await session.query<{ mode: WarmStoreMode }>(
      'SELECT mode FROM warm_schema_history ORDER BY version DESC LIMIT 1',
    );
    if (rows[0]) return rows[0].mode;
  }
  throw new Error('the warm store is not migrated: run the migration command (npm run migrate) first');
}
