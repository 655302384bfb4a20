export type MigrationErrorCode =
  | 'bad_file_name'
  | 'duplicate_version'
  | 'checksum_mismatch'
  | 'missing_file'
  | 'out_of_order'
  | 'mode_mismatch'
  | 'failed';

/** Why the migration runner refused to run, or which file failed. */
export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}
