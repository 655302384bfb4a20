import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { FLOW_COINS, type FlowCoin } from '@mdp/data-access-flow';
import { FLOW_WINDOWS, type FlowWindow } from '@mdp/schemas';
import { IntegerQuery } from '../http/integer-query.transform';

/** `liquidity-flow:{coin}:{timeWindow}:{timestamp}` with one of the seed's windows. */
const SNAPSHOT_KEY = /^liquidity-flow:[A-Z0-9][A-Z0-9._-]{0,31}:(1m|5m|15m|1h|4h):\d{1,16}$/;
const SNAPSHOT_KEY_MESSAGE = '$property must be a key liquidity-flow:{coin}:{timeWindow}:{timestamp}';

/** The largest epoch ms accepted (year 2286): timestamps stay exact integers. */
export const MAX_EPOCH_MS = 9_999_999_999_999;

/** `GET /api/liquidity-flow/retrieve?key=` */
export class RetrieveFlowQuery {
  @ApiProperty({ example: 'liquidity-flow:BTC:5m:1697558400000', description: 'Key of the snapshot' })
  @IsString()
  @MaxLength(80)
  @Matches(SNAPSHOT_KEY, { message: SNAPSHOT_KEY_MESSAGE })
  key!: string;
}

/** `DELETE /api/liquidity-flow/delete` body: `{ key }`. */
export class DeleteFlowBody extends RetrieveFlowQuery {}

/** `GET /api/liquidity-flow/historical?coin=&timeWindow=&start=&end=` */
export class HistoricalFlowQuery {
  @ApiProperty({ enum: FLOW_COINS })
  @IsIn(FLOW_COINS, { message: `$property must be one of ${FLOW_COINS.join(', ')}` })
  coin!: FlowCoin;

  @ApiProperty({ enum: FLOW_WINDOWS })
  @IsIn(FLOW_WINDOWS, { message: `$property must be one of ${FLOW_WINDOWS.join(', ')}` })
  timeWindow!: FlowWindow;

  @ApiProperty({ description: 'Earliest window timestamp, epoch ms (inclusive)', example: 1697558400000 })
  @IntegerQuery()
  @IsInt({ message: '$property must be an epoch time in milliseconds (a non-negative integer)' })
  @Min(0)
  @Max(MAX_EPOCH_MS)
  start!: number;

  @ApiProperty({
    description: 'Latest window timestamp, epoch ms (inclusive), not before start',
    example: 1697562000000,
  })
  @IntegerQuery()
  @IsInt({ message: '$property must be an epoch time in milliseconds (a non-negative integer)' })
  @Min(0)
  @Max(MAX_EPOCH_MS)
  end!: number;
}

/** `DELETE /api/liquidity-flow/clear/{coin}` */
export class ClearFlowParams {
  @ApiProperty({ enum: FLOW_COINS })
  @IsString()
  @MaxLength(32)
  coin!: string;
}

/** `{ success: boolean }` of store, delete and clear (seed 000). */
export class FlowSuccess {
  @ApiProperty({ example: true })
  success!: boolean;
}
