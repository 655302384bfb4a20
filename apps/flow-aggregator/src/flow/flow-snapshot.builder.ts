import type { FlowWindow } from '@mdp/schemas';
import type { FlowWindowAccumulator, StoredFlowData } from '@mdp/domain-flow';
import { FLOW_SNAPSHOT_ESTIMATE_BYTES, flowSnapshotKey } from '@mdp/data-access-flow';

/** Digits of the `expiresAt` the repository writes at store (13) and its key's share of the JSON. */
const EXPIRES_AT_BYTES = 20;

/**
 * Fewer bytes than any node's JSON takes (the smallest possible, one-digit numbers throughout, is
 * 157): a budget of B bytes holds fewer than B / NODE_JSON_MIN_BYTES nodes, so no more need be made.
 */
const NODE_JSON_MIN_BYTES = 120;

/**
 * Builds the StoredFlowData of a window: nodes pruned by volume share, then, within the size budget
 * (the seed's estimate for the window times `budgetFactor`), the nodes of the highest buy, highest
 * sell and most active levels and as many of the largest others (by volume, then the lower price)
 * as fit: a dropped node is never larger than a kept one. Metrics and time series always cover
 * every event.
 */
export class FlowSnapshotBuilder {
  constructor(
    private readonly minVolumeShare: number,
    private readonly budgetFactor: number,
  ) {}

  build(coin: string, window: FlowWindow, accumulator: FlowWindowAccumulator): StoredFlowData {
    const budget = FLOW_SNAPSHOT_ESTIMATE_BYTES[window] * this.budgetFactor;
    // Within a budget only the largest nodes can be kept, so the accumulator makes only those (the
    // pinned levels and, by the same order as below, as many others as could possibly fit): a busy
    // 1m window has hundreds of nodes past the pruning, of which its 4.5 KB keep a few dozen.
    const maxNodes = budget > 0 ? Math.floor(budget / NODE_JSON_MIN_BYTES) + 3 : 0;
    const snapshot: StoredFlowData = {
      key: flowSnapshotKey(coin, window, accumulator.start),
      coin,
      timeWindow: window,
      timestamp: accumulator.start,
      data: accumulator.toFlowData({ minVolumeShare: this.minVolumeShare, maxNodes }),
      expiresAt: 0,
    };
    if (budget <= 0) return snapshot;
    const { nodes, metrics } = snapshot.data;
    const pinned = new Set([metrics.highestBuyLevel, metrics.highestSellLevel, metrics.mostActivePrice]);
    const kept = new Uint8Array(nodes.length);
    const candidates: number[] = [];
    const volumes = new Float64Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const [price, node] = nodes[i]!;
      volumes[i] = node.buyVolume + node.sellVolume;
      if (pinned.has(price)) kept[i] = 1;
      else candidates.push(i);
    }
    // The JSON with the pinned nodes only, then the others largest first (by volume, then the lower
    // price) while they fit: each node's JSON is measured once, and only up to the first that does
    // not fit (a window of thousands of nodes keeps a few dozen).
    snapshot.data.nodes = nodes.filter((_, i) => kept[i] === 1);
    let bytes = JSON.stringify(snapshot).length + EXPIRES_AT_BYTES;
    candidates.sort((a, b) => volumes[b]! - volumes[a]! || nodes[a]![0] - nodes[b]![0]);
    for (const i of candidates) {
      const more = JSON.stringify(nodes[i]).length + 1; // the node and its comma
      if (bytes + more > budget) break;
      bytes += more;
      kept[i] = 1;
    }
    snapshot.data.nodes = nodes.filter((_, i) => kept[i] === 1);
    return snapshot;
  }
}
