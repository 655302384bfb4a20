import { IsBoolean, IsIn, IsInt, IsNumber, IsString, MaxLength, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import { FLOW_WINDOWS, type FlowWindow } from '../vocabulary';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** Says that a liquidity flow snapshot (seed 000) was written to Redis under `key`. */
export class FlowSnapshotNoticeMessage {
  /** `liquidity-flow:{coin}:{timeWindow}:{timestamp}` */
  @IsString()
  @MaxLength(128)
  key!: string;

  @IsString()
  @MaxLength(16)
  coin!: string;

  @IsIn(FLOW_WINDOWS)
  timeWindow!: FlowWindow;

  /** Window start, epoch ms. */
  @IsInt()
  @Min(0)
  timestamp!: number;

  /** True for the final snapshot written when the window closed. */
  @IsBoolean()
  final!: boolean;

  @IsInt()
  @Min(0)
  totalTrades!: number;

  /** Buy minus sell volume, base units. */
  @IsNumber(FINITE)
  netFlow!: number;

  /** When the snapshot was written, epoch ms. */
  @IsInt()
  @Min(0)
  writtenAt!: number;
}

export const FlowSnapshotStream = defineStream({
  name: 'flow-snapshots',
  type: 'flow-snapshot-notice',
  version: 1,
  messageClass: FlowSnapshotNoticeMessage,
});
