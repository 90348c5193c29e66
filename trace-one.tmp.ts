import { execSync } from 'node:child_process';
import { api, createUser, SAMPLE_APPLICATION, startTestSystem } from './test/support/system';
import { decide } from './test/support/veriff';

async function one(system: Awaited<ReturnType<typeof startTestSystem>>, i: number) {
  const user = await createUser(system);
  const response = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: { ...SAMPLE_APPLICATION, document_number: `BP${200000000 + i}` } });
  if (response.status !== 201) throw new Error(response.text);
  const recordId = response.json.id as string;
  await decide(system, recordId, { status: 'approved', withEvents: true });
  await system.client.workflow.getHandle(response.json.workflow_id as string).result();
  // wait for media workflow
  await new Promise((r) => setTimeout(r, 3000));
  return recordId;
}

async function main() {
  const system = await startTestSystem({ KYC_RATE_LIMIT_PER_IP: '100000' });
  await one(system, 1);
  const psql = (sql: string) => execSync(`su postgres -c "psql -qAt -c \\"${sql}\\""`, { stdio: 'inherit' });
  psql("ALTER SYSTEM SET log_statement='all'");
  psql('SELECT pg_reload_conf()');
  await new Promise((r) => setTimeout(r, 500));
  console.log('TRACE-START');
  execSync(`su postgres -c "psql -qAt -c \\"SELECT 'TRACE-START-MARK'\\""`);
  const id = await one(system, 2);
  execSync(`su postgres -c "psql -qAt -c \\"SELECT 'TRACE-END-MARK'\\""`);
  psql("ALTER SYSTEM RESET log_statement");
  psql('SELECT pg_reload_conf()');
  console.log('record', id);
  await system.stop();
  process.exit(0);
}
main();
