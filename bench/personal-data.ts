import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { KeyRing, PiiCipher } from '../infra/crypto';
import { createDb } from '../infra/db';
import { PersonalData } from '../store/personal-data';
import { SubjectKeyStore } from '../store/subject-keys';
import { createTestDatabase } from '../test/support/database';

// `npm run bench:personal-data`: what per-subject keys cost next to the one service key they
// replace, on a real PostgreSQL key store. Per value (a name-sized text): sealing and opening with
// the service key alone; with the customer's data key cached in the process (a verification reads
// its handful of columns within the cache's 5 seconds); with a cold cache (a key store read and an
// unwrap per value: the worst case, every value of another customer); and destroying a customer's
// key (the crypto-shredding step of an erasure). Variants take turns, round after round. It prints
// figures and asserts nothing.

function options(): { n: number; subjects: number; rounds: number } {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' }, subjects: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log('usage: npm run bench:personal-data -- [--n 2000] [--subjects 200] [--rounds 3]');
    process.exit(0);
  }
  return { n: Number(values.n), subjects: Number(values.subjects), rounds: Number(values.rounds) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const { n, subjects, rounds } = options();
  const database = await createTestDatabase();
  const db = createDb(database.url, 4);
  const cipher = new PiiCipher(new KeyRing([{ id: 'b1', key: randomBytes(32).toString('base64') }]), 'bench-hash-key');
  const customers = Array.from({ length: subjects }, () => randomUUID());
  const warm = new PersonalData(new SubjectKeyStore(db, cipher.ring), cipher);
  for (const id of customers) await warm.seal(id, 'warm-up');
  const value = 'Maximiliane Featherstonehaugh';
  const sealedBy = new Map(await Promise.all(customers.map(async (id) => [id, await warm.seal(id, value)] as const)));
  const serviceSealed = cipher.encrypt(value);

  const variants: Record<string, () => Promise<void>> = {
    'service key: encrypt + decrypt': async () => {
      for (let i = 0; i < n; i += 1) cipher.decrypt(i % 2 ? cipher.encrypt(value) : serviceSealed);
    },
    'data key, cached: seal + open': async () => {
      for (let i = 0; i < n; i += 1) {
        const id = customers[i % subjects]!;
        await warm.open(id, i % 2 ? await warm.seal(id, value) : sealedBy.get(id)!);
      }
    },
    'data key, cold: open (key store read + unwrap each)': async () => {
      for (let i = 0; i < n; i += 1) {
        const id = customers[i % subjects]!;
        await new PersonalData(new SubjectKeyStore(db, cipher.ring), cipher, 0).open(id, sealedBy.get(id)!);
      }
    },
  };
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, run] of Object.entries(variants)) {
      const started = performance.now();
      await run();
      results[name]!.push((performance.now() - started) / n);
    }
  }
  const destroyTimes: number[] = [];
  for (const id of customers.slice(0, Math.min(100, subjects))) {
    const started = performance.now();
    await warm.destroy(id, ['personal']);
    destroyTimes.push(performance.now() - started);
  }

  console.log(`# personal data: ${n} values per variant, ${subjects} customers, median of ${rounds} rounds (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)})`);
  console.log('| variant | µs per value | values/s |');
  console.log('|---|---|---|');
  for (const [name, times] of Object.entries(results)) {
    const ms = median(times);
    console.log(`| ${name} | ${(ms * 1000).toFixed(1)} | ${Math.round(1000 / ms).toLocaleString('en-GB')} |`);
  }
  console.log(`| destroy a customer's key (median of ${destroyTimes.length}) | ${(median(destroyTimes) * 1000).toFixed(0)} | |`);
  await db.$disconnect();
  await database.drop();
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
