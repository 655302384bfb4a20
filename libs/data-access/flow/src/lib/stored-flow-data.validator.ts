import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { StoredFlowData } from '@mdp/domain-flow';
import { FLOW_WINDOW_MS } from '@mdp/domain-flow';
import { flowSnapshotKey } from './flow.keys';
import { FlowDataValidationError } from './flow-data.validation-error';
import { LiquidityNodeDto, StoredFlowDataDto } from './stored-flow-data.dto';

function describeErrors(errors: ValidationError[], path: string, out: string[]): void {
  for (const error of errors) {
    const at = path ? `${path}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push(`${at}: ${message}`);
    describeErrors(error.children ?? [], at, out);
  }
}

/**
 * Checks an input against the seed 000 StoredFlowData shape (class-validator rules on every field)
 * and its consistency: the key is `liquidity-flow:{coin}:{timeWindow}:{timestamp}`, the timestamp is
 * a window boundary, each node pair is `[node.price, node]`. Returns the input typed, or throws
 * FlowDataValidationError listing every problem.
 */
export function validateStoredFlowData(input: unknown): StoredFlowData {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new FlowDataValidationError(['body: must be an object']);
  const problems: string[] = [];
  const dto = plainToInstance(StoredFlowDataDto, input);
  describeErrors(validateSync(dto, { forbidUnknownValues: false }), '', problems);
  if (problems.length === 0) {
    const expectedKey = flowSnapshotKey(dto.coin, dto.timeWindow, dto.timestamp);
    if (dto.key !== expectedKey)
      problems.push(`key: must be ${expectedKey} for this coin, timeWindow and timestamp`);
    if (dto.timestamp % FLOW_WINDOW_MS[dto.timeWindow] !== 0)
      problems.push(`timestamp: must be a ${dto.timeWindow} window boundary`);
  }
  const nodes = (input as { data?: { nodes?: unknown } }).data?.nodes;
  if (Array.isArray(nodes)) {
    nodes.forEach((entry, i) => {
      if (
        !Array.isArray(entry) ||
        entry.length !== 2 ||
        typeof entry[0] !== 'number' ||
        typeof entry[1] !== 'object' ||
        entry[1] === null
      ) {
        problems.push(`data.nodes.${i}: must be a [price, node] pair`);
        return;
      }
      const node = plainToInstance(LiquidityNodeDto, entry[1]);
      describeErrors(validateSync(node), `data.nodes.${i}.1`, problems);
      if (node.price !== entry[0]) problems.push(`data.nodes.${i}.0: must equal the node's price`);
    });
  }
  if (problems.length > 0) throw new FlowDataValidationError(problems);
  return input as StoredFlowData;
}
