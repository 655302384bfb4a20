import { Counter, register } from 'prom-client';

const NAME = 'warm_writer_rows_total';

/** Rows the writer handled, by table and outcome (written, duplicate, skipped, expired). */
export const writerRows: Counter<'table' | 'outcome'> =
  (register.getSingleMetric(NAME) as Counter<'table' | 'outcome'> | undefined) ??
  new Counter({
    name: NAME,
    help: 'Rows handled by the warm writer, by table and outcome',
    labelNames: ['table', 'outcome'],
  });
