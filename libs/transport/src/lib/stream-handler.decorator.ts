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
}

export interface StreamHandlerExtras {
  definition: StreamDefinition;
  batch: boolean;
}

/**
 * Marks a controller method as the handler of a stream's messages. The method receives the
 * validated message (or, with `batch: true`, an array of them) and a StreamContext.
 *
 *   @OnStream(TradeStream, { batch: true })
 *   async onTrades(@Payload() trades: TradeMessage[], @Ctx() context: StreamContext) { ... }
 */
export function OnStream(definition: StreamDefinition, options: StreamHandlerOptions = {}): MethodDecorator {
  const extras: StreamHandlerExtras = { definition, batch: options.batch ?? false };
  return applyDecorators(
    EventPattern(definition.stream, { [STREAM_HANDLER_EXTRAS]: extras }),
    UseFilters(new StreamErrorPassthroughFilter()),
  );
}
