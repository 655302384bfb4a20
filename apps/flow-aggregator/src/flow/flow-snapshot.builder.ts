import type { FlowWindow } from '@mdp/schemas';
import type { FlowWindowAccumulator, NodePruning, StoredFlowData } from '@mdp/domain-flow';
import { FLOW_SNAPSHOT_ESTIMATE_BYTES, flowSnapshotKey } from '@mdp/data-access-flow';

/**
 * Builds the StoredFlowData of a window: nodes pruned by volume share, then, when the JSON is over
 * the size budget (the seed's estimate for the window times `budgetFactor`), the smallest nodes are
 * dropped until it fits. Metrics and time series always cover every event.
 */
export class FlowSnapshotBuilder {
  constructor(
    private readonly minVolumeShare: number,
    private readonly budgetFactor: number,
  ) {}

  build(coin: string, window: FlowWindow, accumulator: FlowWindowAccumulator): StoredFlowData {
    let pruning: NodePruning = { minVolumeShare: this.minVolumeShare, maxNodes: 0 };
    const wrap = (data: StoredFlowData['data']): StoredFlowData => ({
      key: flowSnapshotKey(coin, window, accumulator.start),
      coin,
      timeWindow: window,
      timestamp: accumulator.start,
      data,
      expiresAt: 0,
    });
    let snapshot = wrap(accumulator.toFlowData(pruning));
    const budget = FLOW_SNAPSHOT_ESTIMATE_BYTES[window] * this.budgetFactor;
    if (budget <= 0) return snapshot;
    for (let attempt = 0; attempt < 4; attempt++) {
      const bytes = JSON.stringify(snapshot).length + 20; // + the expiresAt digits written at store
      const nodes = snapshot.data.nodes.length;
      if (bytes <= budget || nodes <= 1) break;
      const perNode = JSON.stringify(snapshot.data.nodes).length / nodes;
      const keep = Math.max(1, nodes - Math.ceil((bytes - budget) / perNode) - attempt);
      pruning = { minVolumeShare: this.minVolumeShare, maxNodes: keep };
      snapshot = wrap(accumulator.toFlowData(pruning));
    }
    return snapshot;
  }
}
