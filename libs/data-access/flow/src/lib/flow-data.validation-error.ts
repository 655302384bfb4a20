/** A StoredFlowData that breaks the seed 000 shape; `problems` names each field and rule. */
export class FlowDataValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid StoredFlowData: ${problems.join('; ')}`);
    this.name = 'FlowDataValidationError';
  }
}
