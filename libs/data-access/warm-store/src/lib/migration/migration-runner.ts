import type { Logger } from '@mdp/platform';
import type { SqlSession } from '../sql/sql-session';
import { describeWarmStoreMode, detectWarmStoreMode, type WarmStoreMode } from '../warm-store-mode';
import { MigrationError } from './migration.error';
import { MigrationSet, type MigrationVersion } from './migration-set';

export const SCHEMA_HISTORY_TABLE = 'warm_schema_history';
/** pg_advisory_lock key held while migrating, so two runners never interleave. */
const LOCK_KEY = 7_347_001;

export interface MigrationRunnerOptions {
  /** Directory of V<n>__*.sql files. */
  directory: string;
  /** `auto` (default) picks TimescaleDB when the extension is installed or available. */
  mode?: WarmStoreMode | 'auto';
  logger?: Logger;
}

export interface AppliedMigration {
  version: number;
  description: string;
  scripts: string[];
  checksum: string;
  mode: WarmStoreMode;
  executionMs: number;
}

export interface MigrationReport {
  mode: WarmStoreMode;
  /** Versions applied by this run. */
  applied: AppliedMigration[];
  /** Highest applied version after the run (0 when none). */
  currentVersion: number;
}

interface HistoryRow {
  version: number;
  description: string;
  checksum: string;
  mode: WarmStoreMode;
}

/**
 * Flyway-style migrations: versions apply in order, each in one transaction together with its row
 * in `warm_schema_history` (version, checksum, mode). Before anything runs, every applied version is
 * checked against the files: an edited or deleted applied file, a new file numbered below an applied
 * one, or a database migrated in the other mode stops the run with a MigrationError.
 */
export class MigrationRunner {
  constructor(
    private readonly session: SqlSession,
    private readonly options: MigrationRunnerOptions,
  ) {}

  async migrate(): Promise<MigrationReport> {
    const set = MigrationSet.load(this.options.directory);
    await this.session.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await this.ensureHistoryTable();
      const history = await this.history();
      const mode = await this.resolveMode(history);
      this.options.logger?.info({ mode }, describeWarmStoreMode(mode));
      const pending = this.validate(set, history, mode);
      const applied: AppliedMigration[] = [];
      for (const version of pending) applied.push(await this.apply(version, mode));
      const currentVersion = Math.max(
        0,
        ...history.map((row) => row.version),
        ...applied.map((row) => row.version),
      );
      this.options.logger?.info(
        { mode, applied: applied.map((row) => row.version), currentVersion },
        applied.length > 0
          ? `applied ${applied.length} migration(s); schema at version ${currentVersion}`
          : `schema is up to date at version ${currentVersion}`,
      );
      return { mode, applied, currentVersion };
    } finally {
      await this.session.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  }

  /** Checks applied versions against the files without applying anything; returns the pending ones. */
  async pending(): Promise<MigrationVersion[]> {
    const set = MigrationSet.load(this.options.directory);
    await this.ensureHistoryTable();
    const history = await this.history();
    return this.validate(set, history, await this.resolveMode(history));
  }

  private async ensureHistoryTable(): Promise<void> {
    await this.session.execScript(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA_HISTORY_TABLE} (
         version      INTEGER     PRIMARY KEY,
         description  TEXT        NOT NULL,
         scripts      TEXT[]      NOT NULL,
         checksum     TEXT        NOT NULL,
         mode         TEXT        NOT NULL,
         installed_by TEXT        NOT NULL DEFAULT current_user,
         installed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         execution_ms INTEGER     NOT NULL
       )`,
    );
  }

  private async history(): Promise<HistoryRow[]> {
    const { rows } = await this.session.query<HistoryRow>(
      `SELECT version, description, checksum, mode FROM ${SCHEMA_HISTORY_TABLE} ORDER BY version`,
    );
    return rows;
  }

  private async resolveMode(history: HistoryRow[]): Promise<WarmStoreMode> {
    const requested = this.options.mode ?? 'auto';
    const recorded = history[history.length - 1]?.mode;
    const detected =
      requested === 'auto' ? (recorded ?? (await detectWarmStoreMode(this.session))) : requested;
    if (recorded && recorded !== detected) {
      throw new MigrationError(
        'mode_mismatch',
        `the database was migrated in ${recorded} mode and this run asks for ${detected} mode; the two schemas differ, so this is refused`,
      );
    }
    return detected;
  }

  private validate(set: MigrationSet, history: HistoryRow[], mode: WarmStoreMode): MigrationVersion[] {
    const byVersion = new Map(set.versions.map((version) => [version.version, version]));
    for (const row of history) {
      const version = byVersion.get(row.version);
      if (!version) {
        throw new MigrationError(
          'missing_file',
          `V${row.version}__${row.description} is applied but its file is gone from ${this.options.directory}`,
        );
      }
      const checksum = MigrationSet.checksum(version, row.mode);
      if (checksum !== row.checksum) {
        const files = MigrationSet.scripts(version, row.mode)
          .map((script) => script.fileName)
          .join(' + ');
        throw new MigrationError(
          'checksum_mismatch',
          `${files} was edited after it was applied (checksum ${row.checksum.slice(0, 12)} applied, ${checksum.slice(0, 12)} on disk); ` +
            'never edit an applied migration: restore the file and add a new version',
        );
      }
    }
    const highest = Math.max(0, ...history.map((row) => row.version));
    const applied = new Set(history.map((row) => row.version));
    const pending = set.versions.filter((version) => !applied.has(version.version));
    const late = pending.find((version) => version.version < highest);
    if (late) {
      throw new MigrationError(
        'out_of_order',
        `V${late.version}__${late.description} is new but version ${highest} is already applied; number new migrations above ${highest}`,
      );
    }
    for (const version of pending) {
      if (MigrationSet.scripts(version, mode).length === 0) {
        throw new MigrationError(
          'missing_file',
          `V${version.version}__${version.description} has no script for ${mode} mode`,
        );
      }
    }
    return pending;
  }

  private async apply(version: MigrationVersion, mode: WarmStoreMode): Promise<AppliedMigration> {
    const scripts = MigrationSet.scripts(version, mode);
    const checksum = MigrationSet.checksum(version, mode);
    const started = Date.now();
    await this.session.execScript('BEGIN');
    let current = scripts[0]!.fileName;
    try {
      for (const script of scripts) {
        current = script.fileName;
        await this.session.execScript(script.sql);
      }
      const executionMs = Date.now() - started;
      await this.session.query(
        `INSERT INTO ${SCHEMA_HISTORY_TABLE} (version, description, scripts, checksum, mode, execution_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          version.version,
          version.description,
          scripts.map((script) => script.fileName),
          checksum,
          mode,
          executionMs,
        ],
      );
      await this.session.execScript('COMMIT');
      this.options.logger?.info(
        { version: version.version, scripts: scripts.map((script) => script.fileName), executionMs },
        'migration applied',
      );
      return {
        version: version.version,
        description: version.description,
        scripts: scripts.map((script) => script.fileName),
        checksum,
        mode,
        executionMs,
      };
    } catch (error) {
      await this.session.execScript('ROLLBACK').catch(() => undefined);
      throw new MigrationError(
        'failed',
        `${current} failed, nothing of version ${version.version} was applied: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}
