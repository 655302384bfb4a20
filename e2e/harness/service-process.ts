import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, spawnTs, waitFor } from '@mdp/testing';

export type ServiceName = 'warm-writer' | 'liquidation-detector' | 'flow-aggregator' | 'ingestion';

const MAIN: Record<ServiceName, string> = {
  'warm-writer': 'apps/warm-writer/src/main.ts',
  'liquidation-detector': 'apps/liquidation-detector/src/main.ts',
  'flow-aggregator': 'apps/flow-aggregator/src/main.ts',
  ingestion: 'apps/ingestion/src/main.ts',
};

/** Settings every service gets in these tests: short blocks and claims, so a fault shows in seconds. */
export const FAST_STREAM_ENV: Record<string, string> = {
  HTTP_HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  STREAM_BLOCK_MS: '200',
  STREAM_CLAIM_IDLE_MS: '1000',
  STREAM_CLAIM_INTERVAL_MS: '500',
};

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * One service's main.ts as a child process (the real process, as deployed): started, killed with
 * SIGKILL or stopped with SIGTERM, restarted with the same environment; its JSON log lines kept.
 */
export class ServiceProcess {
  child: ChildProcess | null = null;
  readonly lines: LogLine[] = [];
  port = 0;
  starts = 0;

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
  ) {}

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until GET /health/live answers 200. */
  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.starts += 1;
    const child = spawnTs(MAIN[this.name], {
      env: { ...FAST_STREAM_ENV, HTTP_PORT: String(this.port), ...this.env, ...extraEnv },
      onLine: (line) => {
        if (!line.startsWith('{')) return;
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // a partial line: ignored
        }
      },
    });
    this.child = child;
    await waitFor(
      `${this.name} to answer /health/live`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}`);
        const response = await fetch(`${this.url}/health/live`);
        return response.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }

  /** kill -9: no shutdown hook runs, whatever it read and did not acknowledge stays pending. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: the graceful stop. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Resident set size of the process in kB, from /proc/<pid>/status (VmRSS). */
  rssKb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (!match) throw new Error(`no VmRSS for ${this.name}`);
    return Number(match[1]);
  }

  async ready(): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}/health/ready`);
    return { status: response.status, body: await response.json() };
  }

  /** The value of one Prometheus series of GET /metrics (sum over label sets matching `labels`). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!match || match[1] !== name) continue;
      const labelText = match[2] ?? '';
      if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`)))
        sum += Number(match[3]);
    }
    return sum;
  }

  logged(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
