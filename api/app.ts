import { type Client } from '@temporalio/client';
import express, { type Express } from 'express';
import { documentCheckSettingsFrom, type OcrLane, OcrPool, withImageLimits } from '../document-check';
import { imageLimits } from './use-cases/document-images';
import { type Config } from '../domain/config';
import { webhookRetryPolicy } from '../domain/webhooks';
import { WebhookDispatcher } from '../events/dispatch';
import { addressPolicy } from '../events/ssrf-guard';
import { type PiiCipher } from '../infra/crypto';
import { type Db } from '../infra/db';
import { type Logger } from '../infra/logger';
import { LoginThrottle } from '../infra/login-throttle';
import { type ApiMetrics } from '../infra/metrics';
import { PgRateLimiter } from '../infra/rate-limiter';
import { createStores, keyStoreDb } from '../store';
import { type PersonalData } from '../store/personal-data';
import { DEMO_ACCOUNTS } from '../store/demo-accounts';
import { TokenService } from './auth';
import { createExternalIdentity } from './external-identity';
import { requestObservability } from './observability';
import { ApiRegistry, type ApiRouter } from './openapi';
import { errorHandler, notFoundHandler } from './problem';
import { securityHeaders } from './security-headers';
import { SecurityLog } from './security-log';
import { adminRoutes } from './routes/admin';
import { adminUserRoutes } from './routes/admin-users';
import { applicationFileRoutes, applicationRoutes } from './routes/applications';
import { asyncApiRoute } from './routes/asyncapi';
import { authRoutes } from './routes/auth';
import { codecRoutes } from './routes/codec';
import { documentVerifyRoutes } from './routes/document-verify';
import { openApiRoute, swaggerUiRouter } from './routes/docs';
import { healthRoutes, SERVICE_VERSION } from './routes/health';
import { kycRoutes } from './routes/kyc';
import { opsAlertRoutes } from './routes/ops-alerts';
import { opsStatsRoutes } from './routes/ops-stats';
import { privacyAdminRoutes, privacyRoutes } from './routes/privacy';
import { reviewRoutes } from './routes/review';
import { screeningRoutes } from './routes/screening';
import { verificationRoutes } from './routes/verifications';
import { veriffWebhookRoutes } from './routes/veriff-webhook';
import { type UseCaseDeps } from './use-cases/deps';
import { VendorUpdateInbox } from './vendor-update-inbox';
import { webhookSubscriptionRoutes } from './routes/webhook-subscriptions';
import { webRouter } from '../web/router';

export interface AppDeps {
  db: Db;
  temporal: Client;
  cipher: PiiCipher;
  /** The key store database (customers' data keys); by default the one KYC_KEY_STORE_URL names, else the main database. */
  keyStore?: Db;
  /** The process's data keys when the worker beside it has them already (npm start); see StoreOptions. */
  personalData?: PersonalData;
  config: Config;
  logger: Logger;
  now?: () => Date;
  // Prometheus observations of requests and webhooks (served on METRICS_PORT by the caller).
  metrics?: ApiMetrics;
  // The lane of the process's OCR pool that POST /api/v1/verify runs on (verifyLane; the pool's owner
  // terminates it); without one the app makes its own pool, whose workers start only if that
  // endpoint is called.
  verifyOcr?: OcrLane;
}

/**
 * The lane of `pool` for POST /api/v1/verify: every worker of an API process's own pool, or all but
 * one when the worker's document checks share the pool (npm start), whose jobs go first anyway.
 */
export function verifyLane(pool: OcrPool, config: Pick<Config, 'KYC_VERIFY_QUEUE_MAX'>, sharedWithWorker: boolean): OcrLane {
  return pool.lane({ maxRunning: sharedWithWorker ? Math.max(1, pool.size - 1) : pool.size, maxWaiting: config.KYC_VERIFY_QUEUE_MAX });
}

const JSON_BODY_LIMIT = '64kb';

// Express reads a number as a hop count and "true" as "trust every proxy"; anything else is a list
// of addresses, subnets or names such as loopback.
function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

const API_TAG_ORDER = ['Accounts', 'KYC records', 'Applications', 'Passport verifications', 'Manual review', 'Screening', 'Document check', 'Service health', 'Operations', 'Privacy', 'Webhook subscriptions', 'Temporal codec', 'Veriff webhook', 'Docs'];

const API_DESCRIPTION = [
  'KYC verification on Temporal: one domain (kyc_records and their workflows) behind several API families:',
  'KYC records (/api/kyc), Applications (/v1/kyc/applications), Passport verifications (/api/verifications), Manual review (/api/review), Screening (/api/screening),',
  'Service health (/api/v1) and Operations (/api/admin). Every error is RFC 7807 problem details (application/problem+json).',
  'Each operation names the roles that may call it.',
].join(' ');

/**
 * The app, and its webhook inbox: the process that serves the app starts the inbox's redelivery
 * loop (`vendorUpdates.startRedelivery()`) and stops it on shutdown.
 */
export type KycApp = Express & { vendorUpdates: VendorUpdateInbox };

// Builds the app without listening: server.ts listens, tests run it on port 0.
export function createApp(deps: AppDeps): KycApp {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const security = logger.child({ channel: 'security' });
  const stores = createStores(deps.db, { cipher: deps.cipher, keyStore: deps.keyStore ?? keyStoreDb(config, deps.db, logger), amlRetentionYears: config.KYC_AML_RETENTION_YEARS, personalData: deps.personalData }, now);
  const tokens = new TokenService(config, (userId) => stores.users.accountState(userId), createExternalIdentity(stores.users, config, security), (key) => stores.serviceAccounts.authenticate(key));
  const registry = new ApiRegistry(tokens);
  const securityLog = new SecurityLog(deps.db, security);
  const vendorUpdates = new VendorUpdateInbox({ stores, temporal: deps.temporal, config, logger });
  // What every use case works with: the stores over the database, Temporal, settings, the clock.
  const useCases: UseCaseDeps = {
    stores,
    temporal: deps.temporal,
    config,
    logger,
    rateLimiter: new PgRateLimiter(deps.db),
    now,
    webhooks: {
      dispatcher: new WebhookDispatcher({ db: deps.db, temporal: deps.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, policy: webhookRetryPolicy(config) }),
      addressPolicy: addressPolicy(config),
    },
    documentCheck: { ocr: deps.verifyOcr ?? verifyLane(new OcrPool({ size: config.KYC_DOCUMENT_OCR_WORKERS }), config, false), settings: withImageLimits(documentCheckSettingsFrom(config.KYC_DOCUMENT_CHECK_SETTINGS, 'KYC_DOCUMENT_CHECK_SETTINGS'), imageLimits(config)) },
    vendorUpdates,
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy(config.KYC_TRUST_PROXY));
  app.use(requestObservability(logger, deps.metrics));
  app.use(securityHeaders(config));
  // Declares a router's endpoints (route + OpenAPI operation) and mounts it.
  const mount = (path: string, define: (api: ApiRouter) => void) => {
    const api = registry.router(path);
    define(api);
    app.use(path || '/', api.express);
  };

  // The webhook reads its body raw (signatures are over the exact bytes) and the codec's bodies are
  // larger than API requests: both parse their own, so they are mounted ahead of the JSON parser.
  mount('/api/kyc/webhook/veriff', (api) => veriffWebhookRoutes(api, useCases));
  mount('/codec', (api) => codecRoutes(api, config));
  app.use(express.json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

  mount('/api/auth', (api) => authRoutes(api, { users: useCases.stores.users, tokens, throttle: new LoginThrottle(deps.db, config), securityLog, rateLimiter: useCases.rateLimiter, config }));
  mount('/api/review', (api) => reviewRoutes(api, useCases));
  mount('/api/screening', (api) => screeningRoutes(api, useCases));
  mount('/api/kyc', (api) => kycRoutes(api, useCases));
  mount('/v1/kyc/applications', (api) => applicationRoutes(api, useCases));
  mount('/v1/kyc/files', (api) => applicationFileRoutes(api, useCases));
  mount('/api/verifications', (api) => verificationRoutes(api, useCases));
  mount('/api/v1', (api) => healthRoutes(api, deps));
  mount('/api/v1', (api) => documentVerifyRoutes(api, useCases));
  mount('/api/admin/stats', (api) => opsStatsRoutes(api, { db: deps.db, config, now }));
  mount('/api/admin/alerts', (api) => opsAlertRoutes(api, { db: deps.db, now }));
  mount('/api/privacy', (api) => privacyRoutes(api, useCases));
  mount('/api/admin/privacy', (api) => privacyAdminRoutes(api, useCases));
  mount('/api/admin/webhook-subscriptions', (api) => webhookSubscriptionRoutes(api, useCases));
  mount('/api/admin', (api) => adminRoutes(api, useCases));
  mount('/api/admin', (api) => adminUserRoutes(api, useCases));
  mount('', (api) => openApiRoute(api, registry, { title: 'KYC verification service', version: SERVICE_VERSION, description: API_DESCRIPTION }, API_TAG_ORDER));
  mount('', asyncApiRoute);
  app.use('/docs', swaggerUiRouter());
  app.use(webRouter(config, config.KYC_DEMO_ACCOUNTS ? DEMO_ACCOUNTS : []));

  app.use(registry.methodNotAllowed());
  app.use(notFoundHandler);
  app.use(errorHandler(logger, securityLog));
  return Object.assign(app, { vendorUpdates });
}
