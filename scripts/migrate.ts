import { migrate } from '../infra/migrate';

// Migrates the main database (DATABASE_URL) and, when it is a database of its own, the key store
// (KYC_KEY_STORE_URL): it gets the same migrations, one schema for both, though only subject_keys
// holds rows there.
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required: the embedded database is migrated by `npm start` itself.');
  process.exit(2);
}
const keyStoreUrl = process.env.KYC_KEY_STORE_URL;

async function main(): Promise<void> {
  for (const [name, target] of [['database', url], ['key store', keyStoreUrl && keyStoreUrl !== url ? keyStoreUrl : undefined]] as const) {
    if (!target) continue;
    const ran = await migrate(target);
    console.log(ran.length ? `${name}: applied ${ran.join(', ')}` : `${name} is up to date`);
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
