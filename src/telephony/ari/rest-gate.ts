/**
 * Every REST request to Asterisk goes through this gate: a bounded number at
 * once (Asterisk's HTTP server drops requests past its session limit, and
 * ari-client promises for those never settle), a calls-per-second limit per
 * trunk for originates, and a deadline on every request.
 */
import PQueue from 'p-queue';

export class AriRequestTimeout extends Error {
  constructor(label: string, ms: number) {
    super(`ARI request "${label}" got no answer within ${ms} ms`);
  }
}

export interface RestGateOptions {
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  readonly callsPerSecond: (trunk: string) => number;
  /** Told of each request that got an answer: how long it waited for its turn and how long Asterisk took (the benchmark). */
  readonly timed?: (label: string, waitedMs: number, roundTripMs: number) => void;
}

export class RestGate {
  private readonly requests: PQueue;
  private readonly trunkPacers = new Map<string, PQueue>();

  constructor(private readonly options: RestGateOptions) {
    this.requests = new PQueue({ concurrency: options.maxConcurrent });
  }

  /**
   * Runs one REST request in turn, failing it with AriRequestTimeout if
   * Asterisk does not answer in time. An urgent request (a person waiting in
   * silence for an agent or for the abandon message) goes ahead of every
   * request not yet started: under load, hundreds of originates and
   * recording requests may be queued, and a live answer must not wait for them.
   */
  run<T>(label: string, request: () => Promise<T>, o: { urgent?: boolean } = {}): Promise<T> {
    const queuedAt = performance.now();
    return this.requests.add(
      async () => {
        const startedAt = performance.now();
        const answer = await withDeadline(label, request(), this.options.timeoutMs);
        this.options.timed?.(label, startedAt - queuedAt, performance.now() - startedAt);
        return answer;
      },
      { priority: o.urgent ? 1 : 0 },
    );
  }

  /** Like run(), after waiting for the trunk's next call slot. */
  async originate<T>(trunk: string, label: string, request: () => Promise<T>): Promise<T> {
    await this.pacer(trunk).add(async () => {});
    return this.run(label, request);
  }

  /** Requests waiting or running: what the benchmark watches. */
  get pending(): number {
    return this.requests.size + this.requests.pending;
  }

  private pacer(trunk: string): PQueue {
    let pacer = this.trunkPacers.get(trunk);
    if (!pacer) {
      const perSecond = this.options.callsPerSecond(trunk);
      // A slot every 1/perSecond s, spread out rather than in bursts at the start of each second.
      const interval = Math.max(1, Math.round(1000 / perSecond));
      pacer = new PQueue({ intervalCap: Math.max(1, Math.round((perSecond * interval) / 1000)), interval });
      this.trunkPacers.set(trunk, pacer);
    }
    return pacer;
  }
}

function withDeadline<T>(label: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AriRequestTimeout(label, ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
