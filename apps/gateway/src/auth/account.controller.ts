import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { GatewayConfig } from '../gateway.config';

class AccountUsage {
  @ApiProperty({ description: 'Requests counted in the current minute, this one included' })
  minute!: number;

  @ApiProperty({ description: 'Requests counted in the current calendar month (UTC), this one included' })
  month!: number;

  @ApiProperty({ description: 'Seconds until the minute window resets' })
  minuteResetSeconds!: number;
}

class AccountView {
  @ApiProperty({ enum: ['key', 'anonymous'] })
  kind!: 'key' | 'anonymous';

  @ApiPropertyOptional({ description: 'Name given to the key when it was created', nullable: true })
  name?: string | null;

  @ApiPropertyOptional({ example: 'basic' })
  tier?: string;

  @ApiProperty({ description: 'Requests allowed per minute' })
  perMinute!: number;

  @ApiPropertyOptional({ description: 'Requests allowed per calendar month (keys only)' })
  perMonth?: number;

  @ApiProperty({ type: AccountUsage })
  usage!: AccountUsage;
}

/** The caller's own key: tier, limits and what is used of them. */
@ApiTags('account')
@Controller('api/account')
export class AccountController {
  constructor(private readonly config: GatewayConfig) {}

  @Get()
  @ApiOperation({ summary: "The calling key's tier, limits and current usage" })
  @ApiOkResponse({ type: AccountView })
  account(@Req() request: FastifyRequest): AccountView {
    const caller = request.caller!;
    const verdict = request.rateLimit!;
    const usage = {
      minute: verdict.minuteCount,
      month: verdict.monthCount,
      minuteResetSeconds: verdict.resetSeconds,
    };
    if (caller.kind === 'anonymous')
      return { kind: 'anonymous', perMinute: this.config.ANONYMOUS_RATE_LIMIT_PER_MINUTE, usage };
    return {
      kind: 'key',
      name: caller.key.name,
      tier: caller.key.tier,
      perMinute: caller.key.perMinute,
      perMonth: caller.key.perMonth,
      usage,
    };
  }
}
