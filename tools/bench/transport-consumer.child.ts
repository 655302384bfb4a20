/**
 * The consumer side of the transport benchmark, run as its own process (as a real consuming
 * service is). Counts events; for events whose tradeId is `<seq>@<epoch-microseconds>` it records
 * the delivery latency. Prints `ready`, then `done <count> <p50-ms> <p99-ms> <max-ms> <cpu-us-per-event>` each time
 * the count reaches the next of BENCH_TARGETS (with the CPU time it spent per event).
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { build } from 'hdr-histogram-js';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { createRedisConnection } from '@mdp/platform';
import { OnStream, RedisStreamsServer } from '@mdp/transport';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/15';
const targets = (process.env['BENCH_TARGETS'] ?? '').split(',').map(Number);
const latency = build({ numberOfSignificantValueDigits: 3 });
let received = 0;
let phase = 0;
let phaseStart = 0;
let cpuAtPhaseStart = process.cpuUsage();
const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

@Controller()
class CountingController {
  @OnStream(TradeStream, { batch: true })
  onTrades(@Payload() trades: TradeMessage[]): void {
    const now = nowMicros();
    for (const trade of trades) {
      const at = trade.tradeId.indexOf('@');
      if (at > 0) latency.recordValue(Math.max(0, Math.round(now - Number(trade.tradeId.slice(at + 1)))));
    }
    received += trades.length;
    if (received - phaseStart >= targets[phase]!) {
      const ms = (q: number) => (latency.getValueAtPercentile(q) / 1000).toFixed(2);
      const cpu = process.cpuUsage(cpuAtPhaseStart);
      const cpuMicrosPerEvent = ((cpu.user + cpu.system) / (received - phaseStart)).toFixed(2);
      const max = (latency.maxValue / 1000).toFixed(2);
      process.stdout.write(`done ${received - phaseStart} ${ms(50)} ${ms(99)} ${max} ${cpuMicrosPerEvent}\n`);
      cpuAtPhaseStart = process.cpuUsage();
      phaseStart = received;
      phase += 1;
      latency.reset();
    }
  }
}

@Module({ controllers: [CountingController] })
class CountingModule {}

async function main(): Promise<void> {
  const server = new RedisStreamsServer({
    redis: createRedisConnection(REDIS_URL),
    group: 'bench',
    readCount: 64,
    blockMs: 100,
    maxLen: 0,
  });
  const app = await NestFactory.createMicroservice(CountingModule, { strategy: server, logger: false });
  await app.listen();
  cpuAtPhaseStart = process.cpuUsage();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
