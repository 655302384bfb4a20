import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { HealthModule, HealthRegistry } from '@mdp/platform';
import { AnswersModule } from './answers/answers.module';
import { AuthModule } from './auth/auth.module';
import { CandlesModule } from './candles/candles.module';
import { LiquidityFlowModule } from './flow/liquidity-flow.module';
import { LiquidationsModule } from './liquidations/liquidations.module';
import { TokensModule } from './tokens/tokens.module';
import { TradingModule } from './trading/trading.module';
import { GatewayCoreModule } from './gateway-core.module';
import { SystemStatusModule } from './status/system-status.module';
import { WebViewModule } from './web-view/web-view.module';
import type { GatewayDependencies } from './gateway.dependencies';
import { registerGatewayHealth } from './gateway.health';
import { WsModule } from './realtime/ws.module';

const DEPS = Symbol('gateway-deps');

@Injectable()
class GatewayLifecycle implements OnApplicationBootstrap {
  constructor(
    @Inject(DEPS) private readonly deps: GatewayDependencies,
    private readonly health: HealthRegistry,
  ) {}

  onApplicationBootstrap(): void {
    registerGatewayHealth(this.health, this.deps);
  }
}

/**
 * The feature modules of the gateway. Each owns one area of the API under `/api/...` and gets the
 * shared connections from GatewayCoreModule.
 */
const FEATURE_MODULES = [
  AnswersModule,
  AuthModule,
  LiquidityFlowModule,
  LiquidationsModule,
  TokensModule,
  CandlesModule,
  TradingModule,
  WsModule,
  SystemStatusModule,
  WebViewModule,
];

/** The query gateway: REST and WebSocket over the hot and warm stores. */
@Module({})
export class AppModule {
  static register(deps: GatewayDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [GatewayCoreModule.register(deps), HealthModule.forRoot(), ...FEATURE_MODULES],
      providers: [{ provide: DEPS, useValue: deps }, GatewayLifecycle],
    };
  }
}
