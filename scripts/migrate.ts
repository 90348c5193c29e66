import { migrate } from '../infra/migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required: the embedded database is migrated by `npm start` itself.');
  process.exit(2);
}
migrate(url).then(
  (ran) => console.log(ran.length ? `applied: ${ran.join(', ')}` : 'database is up to date'),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
