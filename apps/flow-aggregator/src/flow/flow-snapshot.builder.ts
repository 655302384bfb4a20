import type { FlowWindow } from '@mdp/schemas';
import type { FlowWindowAccumulator, StoredFlowData } from '@mdp/domain-flow';
import { FLOW_SNAPSHOT_ESTIMATE_BYTES, flowSnapshotKey } from '@mdp/data-access-flow';

/** Digits of the `expiresAt` the repository writes at store (13) and its key's share of the JSON. */
const EXPIRES_AT_BYTES = 20;

/**
 * Builds the StoredFlowData of a window: nodes pruned by volume share, then, when the JSON is over
 * the size budget (the seed's estimate for the window times `budgetFactor`), the smallest nodes (by
 * volume, then the higher price) are dropped until it fits, in one pass over each node's JSON size:
 * the nodes of the highest buy, highest sell and most active levels always stay, and a dropped node
 * is never larger than a kept one. Metrics and time series always cover every event.
 */
export class FlowSnapshotBuilder {
  constructor(
    private readonly minVolumeShare: number,
    private readonly budgetFactor: number,
  ) {}

  build(coin: string, window: FlowWindow, accumulator: FlowWindowAccumulator): StoredFlowData {
    const snapshot: StoredFlowData = {
      key: flowSnapshotKey(coin, window, accumulator.start),
      coin,
      timeWindow: window,
      timestamp: accumulator.start,
      data: accumulator.toFlowData({ minVolumeShare: this.minVolumeShare, maxNodes: 0 }),
      expiresAt: 0,
    };
    const budget = FLOW_SNAPSHOT_ESTIMATE_BYTES[window] * this.budgetFactor;
    if (budget <= 0) return snapshot;
    let bytes = JSON.stringify(snapshot).length + EXPIRES_AT_BYTES;
    if (bytes <= budget) return snapshot;
    const { nodes, metrics } = snapshot.data;
    const pinned = new Set([metrics.highestBuyLevel, metrics.highestSellLevel, metrics.mostActivePrice]);
    const volume = (i: number) => nodes[i]![1].buyVolume + nodes[i]![1].sellVolume;
    // Smallest first: least volume, then the higher price.
    const candidates: number[] = [];
    for (let i = 0; i < nodes.length; i++) if (!pinned.has(nodes[i]![0])) candidates.push(i);
    candidates.sort((a, b) => volume(a) - volume(b) || nodes[b]![0] - nodes[a]![0]);
    const dropped = new Uint8Array(nodes.length);
    for (const i of candidates) {
      if (bytes <= budget) break;
      dropped[i] = 1;
      bytes -= JSON.stringify(nodes[i]).length + 1; // the node and its comma
    }
    snapshot.data.nodes = nodes.filter((_, i) => dropped[i] === 0);
    return snapshot;
  }
}
