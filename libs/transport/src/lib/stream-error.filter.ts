import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a stream handler's error to the transport unchanged. Nest's default RPC filter replaces
 * every error with "Internal server error", which would hide whether it was transient (retry) or
 * not (dead-letter) and lose the reason the dead-letter entry records. `@OnStream` applies it.
 */
@Catch()
export class StreamErrorPassthroughFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
