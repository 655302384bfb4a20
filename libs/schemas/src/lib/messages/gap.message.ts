import { IsBoolean, IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import { VENUES, type Venue } from '../vocabulary';

export const GAP_KINDS = ['trade_id', 'sequence', 'disconnect', 'stream_reset'] as const;
export type GapKind = (typeof GAP_KINDS)[number];

/** Data that may be missing: an id gap, a disconnected interval, or a stream whose history was lost. */
export class GapMessage {
  @IsIn(VENUES)
  exchange!: Venue;

  @IsString()
  @MaxLength(64)
  venueSymbol!: string;

  @IsIn(GAP_KINDS)
  kind!: GapKind;

  /** First missing id (inclusive) where ids are known. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  fromId?: string;

  /** Last missing id (inclusive) where ids are known. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  toId?: string;

  /** Start of the interval that may be missing, epoch ms. */
  @IsInt()
  @Min(0)
  fromTs!: number;

  /** End of the interval that may be missing, epoch ms. */
  @IsInt()
  @Min(0)
  toTs!: number;

  /** True once the range was refetched from the venue's history endpoint. */
  @IsBoolean()
  backfilled!: boolean;
}

export const GapStream = defineStream({ name: 'gaps', type: 'gap', version: 1, messageClass: GapMessage });
