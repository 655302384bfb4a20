/**
 * Codec and validation micro-benchmark, single core, no I/O:
 *
 *   npm run bench:codec
 *
 * Validation of a TradeMessage: the schema library's MessageValidator beside class-validator's own
 * validateSync. Encoding of a 256-trade batch frame: the transport's column-major MessagePack beside
 * an array of MessagePack maps and JSON (bytes per trade, encode and decode microseconds per trade).
 */
import 'reflect-metadata';
import { validateSync } from 'class-validator';
import { Packr } from 'msgpackr';
import { MessageValidator, TradeMessage, TradeStream } from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';
import { decodeEntry, encodeEntry } from '@mdp/transport';

// Events as the service sees them: plain objects with one shape (the decoder builds them that way).
// The test builders use object spread, whose objects are much slower to read on this Node build.
const template = aTrade();
const trades: TradeMessage[] = Array.from({ length: 100_000 }, (_, i) => ({
  exchange: template.exchange,
  market: template.market,
  symbol: template.symbol,
  base: template.base,
  quote: template.quote,
  venueSymbol: template.venueSymbol,
  tradeId: String(i),
  price: template.price,
  size: template.size,
  notionalUsd: template.notionalUsd,
  side: template.side,
  ts: 1_700_000_000_000 + i,
  recvTs: 1_700_000_000_000 + i,
}));

function perSecond(label: string, count: number, fn: () => void): number {
  fn(); // warm up
  const started = performance.now();
  fn();
  const rate = count / ((performance.now() - started) / 1000);
  process.stdout.write(`${label}: ${Math.round(rate)}/s\n`);
  return rate;
}

const validator = new MessageValidator(TradeMessage);
const fast = perSecond('MessageValidator.validate (trades)', trades.length, () => {
  for (const trade of trades) if (!validator.validate(trade).ok) throw new Error('invalid');
});
const reference = perSecond('class-validator validateSync (trades)', trades.length, () => {
  for (const trade of trades) {
    if (validateSync(Object.setPrototypeOf({ ...trade }, TradeMessage.prototype) as object).length)
      throw new Error('invalid');
  }
});
process.stdout.write(`validation speed-up: ${(fast / reference).toFixed(1)}x\n\n`);

const frame = trades.slice(0, 256);
const maps = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const rounds = 400;
const formats: Array<{
  name: string;
  encode: () => Buffer | string;
  decode: (payload: Buffer | string) => unknown;
}> = [
  {
    name: 'column-major msgpack (transport)',
    encode: () => encodeEntry(TradeStream, frame)[7] as Buffer,
    decode: () => decodeEntry(encoded.map((field) => (Buffer.isBuffer(field) ? field : Buffer.from(field)))),
  },
  {
    name: 'array of msgpack maps',
    encode: () => maps.pack(frame),
    decode: (payload) => maps.unpack(payload as Buffer) as unknown,
  },
  {
    name: 'JSON',
    encode: () => JSON.stringify(frame),
    decode: (payload) => JSON.parse(payload as string) as unknown,
  },
];
const encoded = encodeEntry(TradeStream, frame);
for (const format of formats) {
  let payload: Buffer | string = format.encode();
  const encodeStart = performance.now();
  for (let i = 0; i < rounds; i++) payload = format.encode();
  const encodeMicros = ((performance.now() - encodeStart) * 1000) / (rounds * frame.length);
  const decodeStart = performance.now();
  for (let i = 0; i < rounds; i++) format.decode(payload);
  const decodeMicros = ((performance.now() - decodeStart) * 1000) / (rounds * frame.length);
  const bytes = Buffer.byteLength(payload) / frame.length;
  process.stdout.write(
    `${format.name}: ${bytes.toFixed(0)} bytes/trade, encode ${encodeMicros.toFixed(2)} us/trade, decode ${decodeMicros.toFixed(2)} us/trade\n`,
  );
}
