import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A bucket of the summary: the first whose pattern matches a sample's `function url` wins. */
export interface ProfileBucket {
  name: string;
  pattern: RegExp;
}

/**
 * A V8 CPU profile of one part of a benchmark (not its set-up), taken in-process through the
 * inspector: `start()` before the measured part, `stop(file)` after it writes the `.cpuprofile`
 * (open it in Chrome DevTools or speedscope) and returns a summary: self time per bucket and the
 * top functions by self time.
 */
export class CpuProfile {
  private readonly session = new Session();

  async start(samplingIntervalUs = 200): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await this.session.post('Profiler.start');
  }

  async stop(file: string, buckets: readonly ProfileBucket[], topFunctions = 25): Promise<string[]> {
    const { profile } = (await this.session.post('Profiler.stop')) as { profile: Profile };
    this.session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return summarize(profile, buckets, topFunctions);
  }
}

function summarize(profile: Profile, buckets: readonly ProfileBucket[], topFunctions: number): string[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    total += delta;
  });
  const byFunction = new Map<string, number>();
  const byBucket = new Map<string, number>(buckets.map((bucket) => [bucket.name, 0]));
  byBucket.set('other', 0);
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|apps|libs|tools)\//, '$1/');
    const name = `${functionName || '(anonymous)'} ${where}${where ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const bucket = buckets.find((candidate) => candidate.pattern.test(name))?.name ?? 'other';
    byBucket.set(bucket, byBucket.get(bucket)! + us);
  }
  const line = (name: string, us: number) =>
    `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`;
  return [
    `CPU profile: ${(total / 1e6).toFixed(2)} s sampled; self time by part:`,
    ...[...byBucket].sort((a, b) => b[1] - a[1]).map(([name, us]) => line(name, us)),
    `top ${topFunctions} functions by self time:`,
    ...[...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topFunctions)
      .map(([name, us]) => line(name, us)),
  ];
}
