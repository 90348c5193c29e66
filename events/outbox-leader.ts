import { Client as PgClient } from 'pg';

// One connection of a relay loop to PostgreSQL, used for two things the connection pool cannot
// give: a session advisory lock, so that of all relay processes exactly one drains the outbox (a
// second one would publish the same rows and interleave a subject's events), and LISTEN on the
// channel the outbox trigger notifies on commit, so new events go out without waiting for the
// next poll. When the connection drops, the lock is gone with it and the loop must stop
// publishing until it holds the lock again.

export const OUTBOX_CHANNEL = 'outbox_events';

export class OutboxLeader {
  private client: PgClient | null = null;
  private leader = false;
  private wake: (() => void) | null = null;
  private pendingWake = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly lockId: number,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** Tries to become the leader; false while another process holds the lock. Throws when the database is unreachable. */
  async tryAcquire(): Promise<boolean> {
    if (this.leader) return true;
    if (!this.client) {
      const client = new PgClient({ connectionString: this.databaseUrl, application_name: 'kyc-outbox-relay' });
      client.on('error', () => this.lost());
      client.on('end', () => this.lost());
      client.on('notification', () => this.notify());
      await client.connect();
      this.client = client;
      // The embedded database may not deliver notifications: polling still finds the work.
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
    }
    // The simple protocol (no bound parameters): the embedded database's socket server can mix
    // one connection's Parse/Bind messages with another's.
    const { rows } = await this.client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${Math.trunc(this.lockId)}) AS locked`);
    this.leader = rows[0]?.locked === true;
    return this.leader;
  }

  /** Resolves on the next notification, or after timeoutMs, or at once when one came meanwhile. */
  waitForWork(timeoutMs: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wake = done;
    });
  }

  /** Wakes a waiting loop (a notification, or stop()). */
  notify(): void {
    if (this.wake) this.wake();
    else this.pendingWake = true;
  }

  private lost(): void {
    this.leader = false;
    const client = this.client;
    this.client = null;
    client?.removeAllListeners('end');
    void client?.end().catch(() => undefined);
    this.notify();
  }

  /** Gives the lock up (closing the connection releases it). */
  async close(): Promise<void> {
    this.leader = false;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}

/** Exponential backoff with jitter for reconnecting to a broker or database that went away. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly initialMs = 200,
    private readonly maximumMs = 30_000,
  ) {}

  next(): number {
    const step = Math.min(this.maximumMs, this.initialMs * 2 ** Math.min(this.failures, 20));
    this.failures += 1;
    return Math.round(step / 2 + Math.random() * (step / 2));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
