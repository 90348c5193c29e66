import { type Client } from '@temporalio/client';
import express, { type Express } from 'express';
import { type Config } from '../domain/config';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { type Logger } from '../infra/logger';
import { TokenService } from './auth';
import { errorHandler, notFoundHandler } from './problem';
import { authRouter } from './routes/auth';
import { kycRouter } from './routes/kyc';
import { veriffWebhookRouter } from './routes/veriff-webhook';

export interface AppDeps {
  db: Db;
  temporal: Client;
  cipher: PiiCipher;
  config: Config;
  logger: Logger;
  now?: () => Date;
}

const JSON_BODY_LIMIT = '64kb';

// Builds the app without listening: server.ts listens, tests run it on port 0.
export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const tokens = new TokenService(config);
  const security = logger.child({ channel: 'security' });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  // The webhook reads its body raw (signatures are over the exact bytes), so it is mounted first.
  app.use('/api/kyc/webhook/veriff', veriffWebhookRouter({ ...deps, security }));
  app.use(express.json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

  app.use('/api/auth', authRouter(deps.db, tokens));
  app.use('/api/kyc', kycRouter({ db: deps.db, temporal: deps.temporal, tokens, config, logger, now }));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
