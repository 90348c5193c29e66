import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { checkDocument, OcrPool, type Decision } from '../document-check';
import { generateSpecimen, SPECIMEN_VARIANTS, type Specimen } from '../document-check/specimens';

// `npm run bench:documents`: the document check on a labelled set of generated documents (genuine
// passports and identity cards, each forgery, someone else's details, expired, unreadable). Prints
// the confusion matrix of decisions, the accuracy per class and the time per image; asserts
// nothing (the figures depend on the machine and on the thresholds being tuned).

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    // Another set of documents than the one the thresholds were tuned on: --from 4.
    from: { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
  },
});
const seeds = Number(values.seeds);
const firstSeed = Number(values.from);
const workers = Number(values.workers);
// A fixed day, so that expiry dates fall the same way on every run.
const NOW = new Date('2026-03-01T12:00:00Z');
const DECISIONS: Decision[] = ['accept', 'deny', 'flag for review'];
// Genuine documents are what a false alarm would hurt: three of each kind per seed.
const GENUINE_PER_SEED = 3;

interface Labelled {
  specimen: Specimen;
  label: string;
}

const labelOf = (specimen: Specimen) => (specimen.variant === 'genuine' ? `genuine ${specimen.kind === 'passport' ? 'passport' : 'ID card'}` : specimen.variant.replace(/_/g, ' '));

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * share) - 1)]!;
}

const pad = (text: string | number, width: number) => String(text).padEnd(width);
const padStart = (text: string | number, width: number) => String(text).padStart(width);

async function main() {
  const generationStart = performance.now();
  const specimens: Labelled[] = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed += 1) {
    for (const kind of ['passport', 'id_card'] as const) {
      for (const variant of SPECIMEN_VARIANTS) {
        const copies = variant === 'genuine' ? GENUINE_PER_SEED : 1;
        for (let copy = 0; copy < copies; copy += 1) {
          const specimen = await generateSpecimen({ kind, variant, seed: 1000 + seed * 10 + copy, now: NOW });
          specimens.push({ specimen, label: labelOf(specimen) });
        }
      }
      // Photographed askew, as hand-held photos are.
      const skewDegrees = (seed % 2 ? 1 : -1) * (0.8 + (seed % 5) * 0.3);
      specimens.push({ specimen: await generateSpecimen({ kind, seed: 2000 + seed, now: NOW, skewDegrees }), label: 'genuine askew' });
    }
  }
  console.log(`# ${specimens.length} generated documents, seeds ${firstSeed}-${firstSeed + seeds - 1} (${seeds} per kind and variant, ${seeds * GENUINE_PER_SEED} genuine and ${seeds} askew per kind) in ${((performance.now() - generationStart) / 1000).toFixed(1)} s`);

  const pool = new OcrPool({ size: workers });
  // Workers start on first use: warm them so the first images do not carry their start-up.
  const warmup = await generateSpecimen({ kind: 'passport', seed: 1, now: NOW });
  await Promise.all(Array.from({ length: workers }, () => checkDocument(warmup.image, warmup.submission, { ocr: pool, now: NOW })));

  const results: Array<{ specimen: Specimen; label: string; decision: Decision; milliseconds: number }> = [];
  const queue = [...specimens];
  const runStart = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const started = performance.now();
        const result = await checkDocument(next.specimen.image, next.specimen.submission, { ocr: pool, now: NOW });
        results.push({ ...next, decision: result.decision, milliseconds: performance.now() - started });
      }
    }),
  );
  const wall = (performance.now() - runStart) / 1000;
  const load = os.loadavg()[0]!.toFixed(1);
  await pool.terminate();

  console.log(`\nConfusion matrix (rows: expected decision, columns: decision made)`);
  console.log(pad('', 18) + DECISIONS.map((decision) => padStart(decision, 17)).join(''));
  for (const expected of DECISIONS) {
    const row = DECISIONS.map((got) => results.filter((entry) => entry.specimen.expectedDecision === expected && entry.decision === got).length);
    console.log(pad(expected, 18) + row.map((count) => padStart(count, 17)).join(''));
  }

  console.log(`\nPer class`);
  console.log(`${pad('class', 22)}${pad('expected', 17)}${padStart('correct', 9)}${padStart('accuracy', 10)}   decisions made`);
  const classes = [...new Set(specimens.map((entry) => entry.label))];
  for (const name of classes) {
    const members = results.filter((entry) => entry.label === name);
    const correct = members.filter((entry) => entry.decision === entry.specimen.expectedDecision).length;
    const made = DECISIONS.map((decision) => [decision, members.filter((entry) => entry.decision === decision).length] as const).filter(([, count]) => count);
    console.log(
      `${pad(name, 22)}${pad(members[0]!.specimen.expectedDecision, 17)}${padStart(`${correct}/${members.length}`, 9)}${padStart(`${((100 * correct) / members.length).toFixed(0)}%`, 10)}   ${made.map(([decision, count]) => `${decision} ${count}`).join(', ')}`,
    );
  }
  const correct = results.filter((entry) => entry.decision === entry.specimen.expectedDecision).length;
  console.log(`${pad('all', 22)}${pad('', 17)}${padStart(`${correct}/${results.length}`, 9)}${padStart(`${((100 * correct) / results.length).toFixed(1)}%`, 10)}`);

  const times = results.map((entry) => entry.milliseconds).sort((a, b) => a - b);
  const readable = results.filter((entry) => !['blurred', 'tiny'].includes(entry.specimen.variant)).map((entry) => entry.milliseconds).sort((a, b) => a - b);
  // Shared machines skew times: the load average says how much.
  console.log(`\nTime per image (${workers} OCR worker${workers === 1 ? '' : 's'}, ${workers} image${workers === 1 ? '' : 's'} at a time, ${os.cpus().length} cores, load average ${load} at the end)`);
  console.log(`  all images         p50 ${padStart(percentile(times, 0.5).toFixed(0), 6)} ms   p95 ${padStart(percentile(times, 0.95).toFixed(0), 6)} ms   max ${padStart(times[times.length - 1]!.toFixed(0), 6)} ms`);
  console.log(`  readable (OCR run) p50 ${padStart(percentile(readable, 0.5).toFixed(0), 6)} ms   p95 ${padStart(percentile(readable, 0.95).toFixed(0), 6)} ms`);
  console.log(`  throughput         ${(results.length / wall).toFixed(2)} images/s (${wall.toFixed(1)} s for ${results.length})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
