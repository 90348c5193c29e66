import { loadConfig } from '../domain/config';
import { ensureOpsSchedules, ensureScreeningSchedules } from '../worker/schedules';
import { connectTemporalClient } from '../infra/temporal';

// `npm run schedules`: creates the ops and screening schedules in the namespace, or updates them
// to this configuration (thresholds, time zone, task queue, SCREENING_FULL_RESCREEN_DAYS,
// SCREENING_HIT_ACTION). Idempotent; run it on every deploy.
// `npm start` does the same at each start.
async function main() {
  const config = loadConfig(process.env);
  const client = await connectTemporalClient(config);
  try {
    for (const { scheduleId, outcome } of [...(await ensureOpsSchedules(client, config)), ...(await ensureScreeningSchedules(client, config))]) console.log(`${outcome} ${scheduleId}`);
  } finally {
    await client.connection.close();
  }
}

main().catch((err: Error) => {
  console.error(`schedules: ${err.name}: ${err.message}`);
  process.exit(1);
});
