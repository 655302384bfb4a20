import type { Logger } from '@mdp/platform';
import {
  validateListing,
  type TokenMetrics,
  type TokenMetricsCalculator,
  type ValidatedListing,
} from '@mdp/domain-velocity';
import type { TokenCacheRepository, TokenSnapshot, TokenStoreRepository } from '@mdp/data-access-tokens';
import { TokenUpdateStream, type TokenUpdateMessage } from '@mdp/schemas';
import type { StreamPublisher } from '@mdp/transport';
import type { CmcClient } from './cmc.client';
import { CmcApiError } from './cmc-api.error';
import type { VelocityPollerMetrics } from './velocity-poller.metrics';

export interface PollCycleOptions {
  listingsLimit: number;
  maxInvalidFraction: number;
  /** How long a poll waits for Redis to take its token updates before leaving them to the publisher (ms). */
  publishWaitMs: number;
}

export interface PollReport {
  outcome: 'ok' | 'rejected' | 'failed';
  error?: string;
  received: number;
  valid: number;
  invalid: number;
  tokensUpserted: number;
  metricsInserted: number;
  outliers: number;
  /** Token ids with an outlier (the first 20). */
  outlierTokens: number[];
  stale: number;
  duplicates: number;
  cacheKeysWritten: number;
  listsInvalidated: number;
  cacheError?: string;
  published: number;
  creditsUsed: number;
  /** ms per stage: fetch, validate+compute, store, cache, publish. */
  timings: { fetch: number; compute: number; store: number; cache: number; publish: number };
}

/**
 * One poll, in the order of seed 003's ingestion flow: fetch the listings, validate each (a response
 * that is malformed, or mostly invalid, is rejected and nothing is written), compute velocities,
 * trend and quality, store (tokens upserted, metrics inserted, one transaction), update the caches
 * (`token:{id}`, `velocity:{id}:{timeframe}`, lists invalidated), then publish one TokenUpdateMessage
 * per fresh token. A Redis failure does not stop the poll: the database has the data, and the caches
 * are marked for a rebuild when Redis is back.
 */
export class PollCycleService {
  /** Set when a cache update failed; the cache warmer rebuilds from the warm store and clears it. */
  cachesNeedRebuild = false;
  lastSuccessAt: number | null = null;
  lastReport: PollReport | null = null;

  constructor(
    private readonly cmc: CmcClient,
    private readonly calculator: TokenMetricsCalculator,
    private readonly store: TokenStoreRepository,
    private readonly cache: TokenCacheRepository,
    private readonly publisher: StreamPublisher,
    private readonly options: PollCycleOptions,
    private readonly logger: Logger,
    private readonly metrics: VelocityPollerMetrics | null = null,
    private readonly clock: () => number = Date.now,
  ) {}

  async poll(): Promise<PollReport> {
    const report: PollReport = {
      outcome: 'ok',
      received: 0,
      valid: 0,
      invalid: 0,
      tokensUpserted: 0,
      metricsInserted: 0,
      outliers: 0,
      outlierTokens: [],
      stale: 0,
      duplicates: 0,
      cacheKeysWritten: 0,
      listsInvalidated: 0,
      published: 0,
      creditsUsed: 0,
      timings: { fetch: 0, compute: 0, store: 0, cache: 0, publish: 0 },
    };
    try {
      await this.run(report);
    } catch (error) {
      report.outcome =
        error instanceof RejectedResponse || (error instanceof CmcApiError && error.kind === 'malformed')
          ? 'rejected'
          : 'failed';
      report.error = error instanceof Error ? error.message : String(error);
      this.logger.error(
        { outcome: report.outcome, error: report.error },
        'poll did not complete; nothing of it was stored',
      );
    }
    this.metrics?.polls.inc({ outcome: report.outcome });
    this.lastReport = report;
    return report;
  }

  private async run(report: PollReport): Promise<void> {
    let t = performance.now();
    const creditsBefore = this.cmc.credits.total;
    const response = await this.cmc.fetchListings(this.options.listingsLimit);
    report.creditsUsed = this.cmc.credits.total - creditsBefore;
    this.metrics?.credits.inc(report.creditsUsed);
    report.received = response.data.length;
    report.timings.fetch = lap(t);

    t = performance.now();
    const listings: ValidatedListing[] = [];
    const seen = new Set<number>();
    const rejected: Array<{ id: unknown; reasons: string[] }> = [];
    for (const raw of response.data) {
      const result = validateListing(raw);
      if (!result.ok) {
        rejected.push({ id: (raw as { id?: unknown } | null)?.id, reasons: result.reasons });
      } else if (seen.has(result.listing.cmcId)) {
        rejected.push({ id: result.listing.cmcId, reasons: ['duplicate id in the response'] });
      } else {
        seen.add(result.listing.cmcId);
        listings.push(result.listing);
      }
    }
    report.valid = listings.length;
    report.invalid = rejected.length;
    this.metrics?.listings.inc({ result: 'invalid' }, rejected.length);
    if (rejected.length > 0) {
      this.logger.warn(
        { rejected: rejected.length, examples: rejected.slice(0, 3) },
        'listings failed validation',
      );
    }
    if (
      listings.length === 0 ||
      rejected.length / Math.max(1, response.data.length) > this.options.maxInvalidFraction
    ) {
      throw new RejectedResponse(
        `response rejected: ${rejected.length} of ${response.data.length} listings failed validation (limit ${this.options.maxInvalidFraction})`,
      );
    }
    const now = this.clock();
    const metrics: TokenMetrics[] = new Array<TokenMetrics>(listings.length);
    for (let i = 0; i < listings.length; i++) {
      const m = this.calculator.calculate(listings[i]!, now);
      metrics[i] = m;
      if (m.outliers.length > 0) {
        report.outliers += 1;
        if (report.outlierTokens.length < 20) report.outlierTokens.push(m.tokenId);
      }
      if (m.stale) report.stale += 1;
      if (m.duplicate) report.duplicates += 1;
    }
    report.timings.compute = lap(t);
    if (report.outliers > 0) {
      const examples = metrics.filter((m) => m.outliers.length > 0).slice(0, 5);
      this.logger.warn(
        {
          outliers: report.outliers,
          examples: examples.map((m) => ({ symbol: m.listing.symbol, fields: m.outliers })),
        },
        'outliers against the tokens\u2019 history (stored with a lower data_quality_score)',
      );
    }
    if (report.stale > 0) {
      this.logger.warn({ stale: report.stale }, 'stale quotes: cached as stale, not broadcast');
    }

    t = performance.now();
    const stored = await this.store.writePoll(metrics);
    // Only stored samples join the history: a poll that failed to store is not taken for duplicates later.
    this.calculator.commit(metrics);
    report.tokensUpserted = stored.tokens;
    report.metricsInserted = stored.metrics;
    report.timings.store = lap(t);
    this.metrics?.listings.inc({ result: 'stored' }, stored.metrics);
    this.metrics?.listings.inc({ result: 'outlier' }, report.outliers);
    this.metrics?.listings.inc({ result: 'stale' }, report.stale);
    this.metrics?.listings.inc({ result: 'duplicate' }, report.duplicates);

    t = performance.now();
    const snapshots = new Array<TokenSnapshot>(metrics.length);
    for (let i = 0; i < metrics.length; i++) snapshots[i] = toSnapshot(metrics[i]!);
    try {
      report.cacheKeysWritten = await this.cache.writeTokens(snapshots);
      report.listsInvalidated = await this.cache.invalidateLists();
    } catch (error) {
      report.cacheError = error instanceof Error ? error.message : String(error);
      this.cachesNeedRebuild = true;
      this.metrics?.cacheFailures.inc();
      this.logger.warn(
        { error: report.cacheError },
        'cache update failed (Redis down?); the warm store has the poll, caches are rebuilt when Redis is back',
      );
    }
    report.timings.cache = lap(t);

    t = performance.now();
    const messages: TokenUpdateMessage[] = [];
    for (const m of metrics) if (!m.stale) messages.push(toMessage(m));
    if (messages.length > 0 && report.cacheError === undefined) {
      report.published = await this.publish(messages);
    } else if (messages.length > 0) {
      this.logger.warn({ updates: messages.length }, 'token updates not broadcast: Redis is down');
    }
    report.timings.publish = lap(t);
    this.lastSuccessAt = this.clock();
    this.metrics?.lastSuccess.set(this.lastSuccessAt / 1000);
    this.logger.info(
      {
        received: report.received,
        stored: report.metricsInserted,
        invalid: report.invalid,
        outliers: report.outliers,
        stale: report.stale,
        credits: report.creditsUsed,
        creditsToday: this.cmc.credits.today,
        published: report.published,
        ms: report.timings,
      },
      'poll stored',
    );
  }

  private async publish(messages: TokenUpdateMessage[]): Promise<number> {
    const sent = this.publisher.publish(TokenUpdateStream, messages).then(() => messages.length);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(0), this.options.publishWaitMs);
    });
    try {
      const published = await Promise.race([sent, timeout]);
      if (published === 0)
        this.logger.warn(
          { updates: messages.length },
          'token updates still queued in the publisher (Redis slow or down)',
        );
      return published;
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'token updates not published',
      );
      return 0;
    } finally {
      clearTimeout(timer);
      sent.catch(() => undefined);
    }
  }
}

class RejectedResponse extends Error {}

function lap(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

function toSnapshot(m: TokenMetrics): TokenSnapshot {
  const l = m.listing;
  return {
    tokenId: m.tokenId,
    cmcId: l.cmcId,
    name: l.name,
    symbol: l.symbol,
    slug: l.slug,
    cmcRank: l.cmcRank,
    ts: m.ts,
    priceUsd: l.priceUsd,
    marketCapUsd: l.marketCapUsd,
    volume24hUsd: l.volume24hUsd,
    percentChange1h: l.percentChange1h,
    percentChange24h: l.percentChange24h,
    percentChange7d: l.percentChange7d,
    velocity: m.velocity,
    velocity1h: m.velocity1h,
    velocity4h: m.velocity4h,
    velocity12h: m.velocity12h,
    velocity7d: m.velocity7d,
    trend: m.trend,
    dataQualityScore: m.dataQualityScore,
    stale: m.stale,
  };
}

function toMessage(m: TokenMetrics): TokenUpdateMessage {
  const l = m.listing;
  return {
    tokenId: m.tokenId,
    cmcId: l.cmcId,
    symbol: l.symbol,
    name: l.name,
    priceUsd: l.priceUsd,
    marketCapUsd: l.marketCapUsd,
    volume24hUsd: l.volume24hUsd,
    velocity: m.velocity,
    trend: m.trend,
    dataQualityScore: m.dataQualityScore,
    ts: m.ts,
  };
}
