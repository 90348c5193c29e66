// The chaos run's HTTP clients, as well-behaved as real ones: every answer is recorded (when, which
// route, which status), and what a server outage explains (a refused or dropped connection, 502,
// 503, 504) is retried with backoff, as a mobile app or Veriff would. Nothing else is retried: a
// 4xx is an answer, and a 500 is a bug to be counted.

export interface Observation {
  /** Date.now() when the request was sent. */
  sentAt: number;
  /** Date.now() when the answer (or the failure) came. */
  at: number;
  route: string;
  method: string;
  /** The HTTP status, or 0 when no answer came (connection refused, reset, timed out). */
  status: number;
}

export interface Answer {
  status: number;
  json: Record<string, unknown>;
  /** How many attempts the call took (1: answered at once). */
  attempts: number;
}

const RETRIED = new Set([0, 502, 503, 504]);
const REQUEST_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ObservedClient {
  readonly observations: Observation[] = [];

  constructor(
    private readonly baseUrl: string,
    /** How long a call keeps retrying an outage before it gives up. */
    private readonly patienceMs = 300_000,
  ) {}

  /** One call, retried through outages; `route` names it in the report (a pattern, no ids). */
  async call(route: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
    const deadline = Date.now() + this.patienceMs;
    for (let attempt = 1; ; attempt += 1) {
      const status = await this.once(route, method, path, options);
      if (!RETRIED.has(status.status) || Date.now() > deadline) return { ...status, attempts: attempt };
      // 0.5 s, 1 s, 2 s, then every 3 s: back soon after a restart, without hammering a dead server.
      await sleep(Math.min(3000, 500 * 2 ** (attempt - 1)) + Math.random() * 250);
    }
  }

  private async once(route: string, method: string, path: string, options: { token?: string; body?: unknown }): Promise<{ status: number; json: Record<string, unknown> }> {
    let status = 0;
    let json: Record<string, unknown> = {};
    const sentAt = Date.now();
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      const text = await response.text();
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        json = { text: text.slice(0, 300) };
      }
    } catch {
      status = 0;
    }
    this.observations.push({ sentAt, at: Date.now(), route, method, status });
    return { status, json };
  }
}
