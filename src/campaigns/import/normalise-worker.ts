/** A worker thread of `normalise-pool.ts`: normalises the chunks of rows it is sent, in order. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ColumnMapping, ResolvedColumns } from './mapping.js';
import { normaliseRow, type RowRules } from './normalise.js';
import type { RawRow } from './normalise-pool.js';

const { columns, mapping, rules } = workerData as { columns: ResolvedColumns; mapping: ColumnMapping; rules: RowRules };

parentPort!.on('message', (rows: RawRow[]) => {
  parentPort!.postMessage(rows.map(([fields, row]) => normaliseRow(fields, row, columns, mapping, rules)));
});
