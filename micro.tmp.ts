import { Pool } from 'pg';
import { createDb } from '/work/main/infra/db';
async function main() {
  const url = process.env.URL!;
  const db = createDb(url);
  const pool = new Pool({ connectionString: url, max: 10 });
  const N = 3000;
  const time = async (name: string, f: () => Promise<unknown>) => {
    for (let i = 0; i < 200; i++) await f();
    const c0 = process.cpuUsage(); const t0 = performance.now();
    await Promise.all(Array.from({ length: 10 }, async () => { for (let i = 0; i < N / 10; i++) await f(); }));
    const c = process.cpuUsage(c0); const t = performance.now() - t0;
    console.log(name.padEnd(30), 'cpu µs/query', ((c.user + c.system) / N).toFixed(0), 'wall ms', t.toFixed(0));
  };
  const id = '00000000-0000-0000-0000-000000000000';
  await time('prisma findUnique', () => db.kycRecord.findUnique({ where: { id } }));
  await time('prisma findFirst select id', () => db.kycRecord.findFirst({ where: { userId: id, status: 'approved' }, select: { id: true } }));
  await time('prisma $queryRaw', () => db.$queryRaw`SELECT id FROM kyc_records WHERE id = ${id}::uuid`);
  await time('pg pool.query', () => pool.query('SELECT id FROM kyc_records WHERE id = $1::uuid', [id]));
  await time('prisma $transaction 2 stmts', () => db.$transaction(async (tx) => { await tx.$queryRaw`SELECT 1`; await tx.$queryRaw`SELECT 2`; }));
  await db.$disconnect(); await pool.end();
}
main();
