import { documentTypeCode, type KycDocumentType } from '../domain/kyc-application';
import { createUser, SAMPLE_APPLICATION, type TestSystem, type TestUser } from '../test/support/system';
import { issuingCountry } from '../vendors/identity-vendor';

// What the benchmark's sections share: pools, timeouts, percentiles, tables, customers.

// scrypt runs on libuv's four threads: more parallel logins only queue.
const USER_SETUP_CONCURRENCY = 4;

// Each customer is a different person behind a different address, as in real traffic: one shared
// document number would send every approval to manual review (duplicate document), and one
// client IP would hit the per-IP start limit and turn its counter row into a lock everyone queues on.
export interface Customer extends TestUser {
  application: Record<string, string>;
  clientIp: string;
}


// At most `concurrency` tasks in flight. After a failure no new item starts, and the tasks in
// flight settle (each is bounded) before the first error is thrown, so teardown never races them.
export async function runPool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  if (failure) throw failure.error;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Nearest-rank percentile: always a value that was actually observed.
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface VendorImageCounts {
  prepared: number;
  counts: { drawn: number; prepared: number };
}

/**
 * Has the Veriff simulator draw these customers' document images now, untimed: Veriff holds a
 * session's images before it decides, and drawing them (a few hundred ms of CPU each) is the
 * vendor's cost, which would otherwise land on the same cores as the service under test. The
 * counts say how many decided sessions' images were prepared and how many were drawn on demand.
 */
export async function prepareVendorImages(system: TestSystem, users: readonly Customer[]): Promise<VendorImageCounts> {
  const applicants = users.map(({ application: a }) => ({
    person: { firstName: a.first_name!, lastName: a.last_name!, dateOfBirth: a.date_of_birth! },
    document: { number: a.document_number!, type: documentTypeCode(a.document_type as KycDocumentType), country: issuingCountry(a.document_type as KycDocumentType, a.nationality!, a.country!) },
  }));
  const response = await fetch(`${system.simulator.url}/control/specimens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ applicants }) });
  if (!response.ok) throw new Error(`the simulator refused to prepare images: ${response.status} ${await response.text()}`);
  return (await response.json()) as VendorImageCounts;
}

export async function vendorImageCounts(system: TestSystem): Promise<VendorImageCounts> {
  return (await (await fetch(`${system.simulator.url}/control/specimens`)).json()) as VendorImageCounts;
}

/** Customers with a document number and a client address each (see Customer). */
export async function customers(system: TestSystem, count: number, offset: number): Promise<Customer[]> {
  const users: Customer[] = [];
  await runPool(Array.from({ length: count }, (_, i) => i + offset), USER_SETUP_CONCURRENCY, async (i) => {
    const user = await createUser(system);
    // BW passports: two letters and up to nine digits; 10.x.y.z is private space, only ever a header here.
    users.push({ ...user, application: { ...SAMPLE_APPLICATION, document_number: `BP${100_000_000 + i}` }, clientIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
  });
  return users;
}
