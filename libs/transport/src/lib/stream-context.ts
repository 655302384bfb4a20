import { BaseRpcContext } from '@nestjs/microservices';

export interface StreamContextArgs {
  stream: string;
  group: string;
  consumer: string;
  /** Ids of the stream entries the delivered events came from, in order (an entry may carry many events). */
  entryIds: string[];
  /** How many of the delivered events each entry of `entryIds` carried, in the same order. */
  eventCounts: number[];
  /** Most times any of those entries was delivered (1 on first delivery; more after a reclaim). */
  deliveries: number;
}

/** What a stream handler knows about the delivery, besides the payload. */
export class StreamContext extends BaseRpcContext<[StreamContextArgs]> {
  get delivery(): StreamContextArgs {
    return this.getArgByIndex(0) as StreamContextArgs;
  }
  getStream(): string {
    return this.delivery.stream;
  }
  getGroup(): string {
    return this.delivery.group;
  }
  getConsumer(): string {
    return this.delivery.consumer;
  }
  getEntryIds(): string[] {
    return this.delivery.entryIds;
  }
  /**
   * Events per entry, in the order of getEntryIds(): the first `counts[0]` events of the payload came
   * from the first entry, and so on (a handler of `ack: 'deferred'` uses it to skip entries).
   */
  getEntryEventCounts(): number[] {
    return this.delivery.eventCounts;
  }
  getDeliveries(): number {
    return this.delivery.deliveries;
  }
}
