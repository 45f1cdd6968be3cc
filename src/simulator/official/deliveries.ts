/**
 * A simulator's webhook POSTs to our API: statuses after a message is accepted, each after its own
 * delay (sent → delivered → read, as a provider reports them over seconds), inbound messages at
 * once. A POST answered with anything but 2xx, or not at all, is tried again after each of
 * `retryDelaysMs` (providers retry failed deliveries for days; a simulator gives up sooner), and
 * every attempt's outcome is kept for `GET /_sim/webhooks`.
 */
export interface DeliveryStep {
  /** What is delivered, e.g. `status:delivered` or `inbound`. */
  label: string;
  /** Wait after the previous step (or the start). */
  afterMs: number;
  post: () => Promise<number>;
}

export interface DeliveryRecord {
  /** The message it is about (a wamid, an SM… sid). */
  id: string;
  label: string;
  /** The last attempt's HTTP status; null when it got no answer. */
  httpStatus: number | null;
  attempts: number;
  error?: string;
  at: string;
}

const KEEP = 1_000;

export class Deliveries {
  readonly log: DeliveryRecord[] = [];
  /** Waiting delays: their timer and how to end them early (at close). */
  private readonly waits = new Map<NodeJS.Timeout, (go: boolean) => void>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  /** Told of every attempt's outcome (the stack's log shows them). */
  onAttempt: ((r: Readonly<DeliveryRecord>) => void) | null = null;

  constructor(private readonly retryDelaysMs: number[] = [1_000, 5_000, 15_000]) {}

  /** Runs the steps in order; resolves when the last one was delivered or given up. */
  chain(id: string, steps: DeliveryStep[]): Promise<void> {
    const run = (async () => {
      for (const step of steps) {
        if (!(await this.wait(step.afterMs))) return;
        await this.deliver(id, step);
      }
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /** The newest delivery about `id`. */
  lastOf(id: string): DeliveryRecord | undefined {
    for (let i = this.log.length - 1; i >= 0; i--) if (this.log[i]?.id === id) return this.log[i];
    return undefined;
  }

  /** Every chain finished (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops waiting chains at their next delay; POSTs in flight finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [t, end] of this.waits) {
      clearTimeout(t);
      end(false);
    }
    this.waits.clear();
    await Promise.allSettled([...this.running]);
  }

  private async deliver(id: string, step: DeliveryStep): Promise<void> {
    const record: DeliveryRecord = { id, label: step.label, httpStatus: null, attempts: 0, at: '' };
    this.log.push(record);
    if (this.log.length > KEEP) this.log.splice(0, this.log.length - KEEP);
    for (let attempt = 0; ; attempt++) {
      record.attempts = attempt + 1;
      record.at = new Date().toISOString();
      try {
        record.httpStatus = await step.post();
        delete record.error;
      } catch (err) {
        record.httpStatus = null;
        record.error = err instanceof Error ? err.message : String(err);
      }
      this.onAttempt?.(record);
      const ok = record.httpStatus !== null && record.httpStatus >= 200 && record.httpStatus < 300;
      const retryIn = this.retryDelaysMs[attempt];
      if (ok || retryIn === undefined || !(await this.wait(retryIn))) return;
    }
  }

  /** false once closed: the chain stops there. */
  private wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waits.delete(t);
        resolve(!this.closed);
      }, ms);
      this.waits.set(t, resolve);
    });
  }
}
