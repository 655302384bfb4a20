import { applyDecorators, UseFilters } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import type { StreamDefinition } from '@mdp/schemas';
import { StreamErrorPassthroughFilter } from './stream-error.filter';

export const STREAM_HANDLER_EXTRAS = 'mdpStream';

export interface StreamHandlerOptions {
  /**
   * Batch mode: the handler receives every valid event of one read (an array, in stream order)
   * instead of one event per call. For consumers that write in bulk.
   */
  batch?: boolean;
  /**
   * `auto` (default): the transport acknowledges an entry once its events were handled.
   * `deferred`: the transport does not acknowledge the entries it gave this handler; the handler
   * learns their ids from the StreamContext (`getEntryIds()`, `getEntryEventCounts()`) and the
   * application acknowledges them itself, through a StreamAcknowledger, once what it made of them
   * is durable (e.g. after a checkpoint of in-memory state). An entry with a dead letter is still
   * committed by the transport (dead letter and ack together); its valid events reached the handler.
   * Pending deferred entries must not be claimed back by the periodic XAUTOCLAIM: use it in a
   * single-consumer group (`singleConsumer: true`), or give the server `deferredAckMs` below
   * `claimIdleMs` (checked when the server starts).
   */
  ack?: 'auto' | 'deferred';
}

export interface StreamHandlerExtras {
  definition: StreamDefinition;
  batch: boolean;
  deferred: boolean;
}

/**
 * Marks a controller method as the handler of a stream's messages. The method receives the
 * validated message (or, with `batch: true`, an array of them) and a StreamContext.
 *
 *   @OnStream(TradeStream, { batch: true })
 *   async onTrades(@Payload() trades: TradeMessage[], @Ctx() context: StreamContext) { ... }
 *
 *   @OnStream(TradeStream, { batch: true, ack: 'deferred' })   // the application acknowledges
 */
export function OnStream(definition: StreamDefinition, options: StreamHandlerOptions = {}): MethodDecorator {
  const extras: StreamHandlerExtras = {
    definition,
    batch: options.batch ?? false,
    deferred: options.ack === 'deferred',
  };
  return applyDecorators(
    EventPattern(definition.stream, { [STREAM_HANDLER_EXTRAS]: extras }),
    UseFilters(new StreamErrorPassthroughFilter()),
  );
}
