import { parseArgs } from 'node:util';
import { FULL_RUN, runChaos, SHORT_RUN, type ChaosOptions } from './run';

// `npm run chaos`: the chaos run on the production topology, printed as a table of figures
// against their targets. Exit code 1 when a target is missed.

const FAULT_NAMES = ['worker-1', 'worker-2', 'api-1', 'api-2', 'temporal', 'postgres', 'rabbitmq'] as const;
const USAGE = `usage: npm run chaos -- [--short] [--verifications N] [--faults F,F,...] [--keep-logs]
  --short          CI's version: ${SHORT_RUN.verifications} verifications, one of each fault
  --verifications  how many customers (default ${FULL_RUN.verifications}; every branch gets its share)
  --faults         the faults in order, instead of the run's own (${FAULT_NAMES.join(', ')}; none: no fault)
  --keep-logs      keep the stack's folder, with every process's log, and print where it is`;

function faultOf(name: string): ChaosOptions['faults'][number] {
  if (!(FAULT_NAMES as readonly string[]).includes(name)) throw new Error(`--faults: unknown fault ${name}\n${USAGE}`);
  const [kind, index] = name.split('-');
  return index ? { kind: kind as 'worker' | 'api', target: name } : { kind: kind as 'temporal' | 'postgres' | 'rabbitmq' };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { short: { type: 'boolean' }, verifications: { type: 'string' }, faults: { type: 'string' }, 'keep-logs': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
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
  if (values.faults !== undefined) options.faults = values.faults === 'none' ? [] : values.faults.split(',').map((name) => faultOf(name.trim()));
  options.keepLogs = values['keep-logs'] ?? false;
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
