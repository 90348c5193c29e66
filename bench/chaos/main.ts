import { parseArgs } from 'node:util';
import { FULL_RUN, runChaos, SHORT_RUN, type ChaosOptions } from './run';

// `npm run chaos`: the chaos run on the production topology, printed as a table of figures
// against their targets. Exit code 1 when a target is missed.

const USAGE = `usage: npm run chaos -- [--short] [--verifications N]
  --short          CI's version: ${SHORT_RUN.verifications} verifications, one of each fault
  --verifications  how many customers (default ${FULL_RUN.verifications}; every branch gets its share)`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { short: { type: 'boolean' }, verifications: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const options: ChaosOptions = { ...(values.short ? SHORT_RUN : FULL_RUN) };
  if (values.verifications !== undefined) {
    const n = Number(values.verifications);
    if (!Number.isInteger(n) || n < 6) throw new Error(`--verifications must be an integer >= 6 (one per branch), got ${values.verifications}\n${USAGE}`);
    options.verifications = n;
  }
  const report = await runChaos(options);
  console.log(`\n== chaos: ${options.verifications} verifications, ${options.faults.length} faults ==\n`);
  console.log(report.table);
  console.log(report.passed ? '\nevery target met' : '\nSOME TARGETS MISSED');
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
