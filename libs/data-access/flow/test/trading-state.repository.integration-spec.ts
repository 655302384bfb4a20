import { createTestRedis } from '@mdp/testing';
import { TradingStateRepository } from '../src';

describe(TradingStateRepository.name, () => {
  it('writes and reads the seed 002 keys by their names, with and without a TTL', async () => {
    const redis = await createTestRedis();
    const state = new TradingStateRepository(redis);
    await state.writeSymbol('price', 'AAPL', '{"price":{"last":1}}', 60);
    await state.writeSymbol('position', 'AAPL', '{"symbol":"AAPL"}', 0);
    await state.writeSignal('entry', 'AAPL', '{"reason":"breakout"}', 30);
    await state.writeGlobal('watchlist', '["AAPL"]', 0);
    await state.writeGlobal('market_context', '{"vix":18.5}', 90);
    expect(await redis.get('stocks:price:AAPL')).toBe('{"price":{"last":1}}');
    expect(await redis.ttl('stocks:price:AAPL')).toBe(60);
    expect(await redis.ttl('positions:active:AAPL')).toBe(-1);
    expect(await redis.ttl('signals:entry:AAPL')).toBe(30);
    expect(await redis.get('watchlist:current')).toBe('["AAPL"]');
    expect(await redis.ttl('context:market')).toBe(90);
    expect(await state.readSymbol('price', 'AAPL')).toBe('{"price":{"last":1}}');
    expect(await state.readSymbol('sentiment', 'AAPL')).toBeNull();
    expect(await state.readSignal('entry', 'AAPL')).toBe('{"reason":"breakout"}');
    expect(await state.readGlobal('watchlist')).toBe('["AAPL"]');
    expect(TradingStateRepository.symbolKey('monitoring', 'AAPL')).toBe('positions:monitoring:AAPL');
    expect(TradingStateRepository.globalKey('system_state')).toBe('system:state');
    expect(TradingStateRepository.globalKey('performance')).toBe('metrics:performance');
    expect(TradingStateRepository.globalKey('candidates')).toBe('candidates:ranked');

    await redis.set('stocks:indicators:MSFT', '{"rsi_14":50}');
    await redis.set('positions:monitoring:AAPL', '{"time_in_trade":"00:01:00"}');
    expect(await state.context(['AAPL', 'MSFT'], ['entry', 'exit'])).toEqual({
      global: {
        watchlist: '["AAPL"]',
        candidates: null,
        system_state: null,
        performance: null,
        market_context: '{"vix":18.5}',
      },
      symbols: [
        {
          symbol: 'AAPL',
          values: {
            price: '{"price":{"last":1}}',
            indicators: null,
            sentiment: null,
            position: '{"symbol":"AAPL"}',
            monitoring: '{"time_in_trade":"00:01:00"}',
          },
          signals: { entry: '{"reason":"breakout"}', exit: null },
        },
        {
          symbol: 'MSFT',
          values: {
            price: null,
            indicators: '{"rsi_14":50}',
            sentiment: null,
            position: null,
            monitoring: null,
          },
          signals: { entry: null, exit: null },
        },
      ],
    });

    expect(await state.deleteSymbol('position', 'AAPL')).toBe(true);
    expect(await state.deleteSymbol('position', 'AAPL')).toBe(false);
    expect(await state.deleteSignal('entry', 'AAPL')).toBe(true);
    expect(await redis.exists('positions:active:AAPL', 'signals:entry:AAPL')).toBe(0);
    await redis.quit();
  });
});
