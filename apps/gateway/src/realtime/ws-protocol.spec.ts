import { deliverySymbols, parseClientMessage, topicKey, topicReply } from './ws-protocol';

describe('WebSocket protocol', () => {
  it('parses each op and channel', () => {
    expect(parseClientMessage('{"op":"subscribe","channel":"tokens","tokenId":1}')).toEqual({
      ok: true,
      message: { op: 'subscribe', topic: { channel: 'tokens', tokenId: 1 } },
    });
    expect(
      parseClientMessage('{"op":"unsubscribe","channel":"flow","coin":"BTC","timeWindow":"5m","id":3}'),
    ).toEqual({
      ok: true,
      message: { op: 'unsubscribe', topic: { channel: 'flow', coin: 'BTC', timeWindow: '5m' }, id: 3 },
    });
    expect(parseClientMessage('{"op":"subscribe","channel":"signals","symbol":"*"}')).toMatchObject({
      ok: true,
      message: { topic: { channel: 'signals', symbol: '*' } },
    });
    expect(
      parseClientMessage('{"op":"subscribe","channel":"liquidations","symbol":"BTC-USDT"}'),
    ).toMatchObject({
      ok: true,
      message: { topic: { channel: 'liquidations', symbol: 'BTC-USDT' } },
    });
    expect(parseClientMessage('{"op":"ping","id":"x"}')).toEqual({
      ok: true,
      message: { op: 'ping', id: 'x' },
    });
  });

  it('names the problem of an invalid message, with its id when it has one', () => {
    const reason = (text: string) => {
      const result = parseClientMessage(text);
      return result.ok ? null : result.reason;
    };
    expect(reason('nope')).toMatch(/^malformed JSON: /);
    expect(reason('null')).toBe('a message must be a JSON object, got null');
    expect(reason('{}')).toBe('unknown op nothing: expected subscribe, unsubscribe or ping');
    expect(reason('{"op":"subscribe"}')).toBe(
      'unknown channel nothing: expected tokens, flow, signals or liquidations',
    );
    expect(reason('{"op":"subscribe","channel":"tokens","tokenId":1.5}')).toBe(
      'tokenId must be an integer from 1 to 2147483647, got 1.5',
    );
    expect(reason('{"op":"subscribe","channel":"flow","coin":"BTC"}')).toBe(
      'timeWindow must be one of 1m, 5m, 15m, 1h or 4h, got nothing',
    );
    expect(reason('{"op":"subscribe","channel":"signals","symbol":"BTC","tokenId":1}')).toBe(
      'unknown field "tokenId" for channel "signals": it takes symbol',
    );
    expect(reason('{"op":"ping","id":{}}')).toBe('id must be a string of at most 64 characters or a number');
    expect(parseClientMessage('{"op":"x","id":"r1"}')).toEqual({
      ok: false,
      reason: 'unknown op "x": expected subscribe, unsubscribe or ping',
      id: 'r1',
    });
  });

  it('keys and replies name the topic', () => {
    expect(topicKey({ channel: 'tokens', tokenId: 7 })).toBe('tokens:7');
    expect(topicKey({ channel: 'flow', coin: 'ETH', timeWindow: '1h' })).toBe('flow:ETH:1h');
    expect(topicKey({ channel: 'signals', symbol: '*' })).toBe('signals:*');
    expect(
      JSON.parse(topicReply('subscribed', { channel: 'flow', coin: 'ETH', timeWindow: '1h' }, 'q')),
    ).toEqual({
      op: 'subscribed',
      channel: 'flow',
      coin: 'ETH',
      timeWindow: '1h',
      id: 'q',
    });
  });

  it('delivers an event under its symbol, its base and "*"', () => {
    expect(deliverySymbols('BTC-USDT', 'BTC')).toEqual(['BTC-USDT', 'BTC', '*']);
    expect(deliverySymbols('ETH-USD')).toEqual(['ETH-USD', 'ETH', '*']);
    expect(deliverySymbols('HYPE')).toEqual(['HYPE', '*']);
  });
});
