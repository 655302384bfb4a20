import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WarmStoreMode } from '../warm-store-mode';
import { MigrationError } from './migration.error';

/** A script file of one version: the common part, or the companion of one mode. */
export interface MigrationScript {
  fileName: string;
  sql: string;
}

/** One version: `V2__add_hypertables.sql` plus optional `.timescaledb.sql` / `.postgres.sql` companions. */
export interface MigrationVersion {
  version: number;
  description: string;
  common: MigrationScript | null;
  companions: Partial<Record<WarmStoreMode, MigrationScript>>;
}

const FILE_PATTERN = /^V(\d+)__([A-Za-z0-9_]+?)(?:\.(timescaledb|postgres))?\.sql$/;

/**
 * The versions in a migrations directory, in order. File names follow Flyway (`V<n>__<words>.sql`);
 * a version may add mode companions that run after its common file, in the same transaction.
 */
export class MigrationSet {
  private constructor(readonly versions: readonly MigrationVersion[]) {}

  static load(directory: string): MigrationSet {
    const byVersion = new Map<number, MigrationVersion>();
    for (const fileName of readdirSync(directory).sort()) {
      if (!fileName.endsWith('.sql')) continue;
      const match = FILE_PATTERN.exec(fileName);
      if (!match) {
        throw new MigrationError(
          'bad_file_name',
          `${fileName}: migration files are named V<version>__<description>[.timescaledb|.postgres].sql`,
        );
      }
      const version = Number(match[1]);
      const description = match[2]!;
      const mode = match[3] as WarmStoreMode | undefined;
      const sql = readFileSync(path.join(directory, fileName), 'utf8');
      let entry = byVersion.get(version);
      if (!entry) {
        entry = { version, description, common: null, companions: {} };
        byVersion.set(version, entry);
      } else if (entry.description !== description) {
        throw new MigrationError(
          'duplicate_version',
          `version ${version} has two descriptions: ${entry.description} and ${description}`,
        );
      }
      if (mode) entry.companions[mode] = { fileName, sql };
      else entry.common = { fileName, sql };
    }
    return new MigrationSet([...byVersion.values()].sort((a, b) => a.version - b.version));
  }

  /** The scripts that run for a version in a mode, in order. */
  static scripts(version: MigrationVersion, mode: WarmStoreMode): MigrationScript[] {
    return [version.common, version.companions[mode] ?? null].filter(
      (script): script is MigrationScript => script !== null,
    );
  }

  /** SHA-256 over the scripts that run in this mode (names and contents, line endings normalized). */
  static checksum(version: MigrationVersion, mode: WarmStoreMode): string {
    const hash = createHash('sha256');
    for (const script of MigrationSet.scripts(version, mode)) {
      hash.update(`${script.fileName}\n${script.sql.replace(/\r\n/g, '\n')}\n`);
    }
    return hash.digest('hex');
  }
}
