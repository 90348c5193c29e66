import { z } from 'zod';
import { KEY_BYTES, weakKeyReason, weakSecretReason } from './secret-strength';
import { isScreeningSource, SCREENING_SOURCES } from './screening';

// Every setting the service reads, parsed once at start. A bad or missing value stops the process
// with a message naming the variable. Durations are in seconds unless the name says _MS.

const seconds = (fallback: number, description: string) =>
  z.coerce.number().int().positive().default(fallback).describe(description);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// Retention periods: whole days in production; fractions are allowed so tests can use seconds.
const days = (fallback: number, description: string) => z.coerce.number().positive().default(fallback).describe(description);

const secret = (description: string, devDefault: string) => z.string().min(16).default(devDefault).describe(description);

// 32-byte keys, base64, named by id: "k1:BASE64,k2:BASE64". The first one encrypts; all decrypt.
const keyRing = (description: string, devDefault: string) =>
  z
    .string()
    .default(devDefault)
    .describe(description)
    .transform((value, ctx) => {
      const keys = value.split(',').map((entry) => entry.trim()).filter(Boolean);
      const parsed: { id: string; key: string }[] = [];
      for (const entry of keys) {
        const [id, key] = entry.split(':');
        if (!id || !key || !/^[A-Za-z0-9_-]{1,16}$/.test(id)) {
          ctx.addIssue({ code: 'custom', message: `key entry "${id ?? ''}" must look like id:base64` });
          return z.NEVER;
        }
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== KEY_BYTES) {
          ctx.addIssue({ code: 'custom', message: `key "${id}" must be ${KEY_BYTES} bytes in base64 (generate one: openssl rand -base64 32)` });
          return z.NEVER;
        }
        parsed.push({ id, key });
      }
      if (parsed.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'at least one key is required' });
        return z.NEVER;
      }
      return parsed;
    });

// Development keys: public on purpose so the embedded setup runs with no configuration.
// Production refuses them (see assertProductionSafe).
const DEV_PII_KEYS = 'dev1:ZGV2LW9ubHktcGlpLWtleS0zMi1ieXRlcy1sb25nISE=';
const DEV_PAYLOAD_KEYS = 'dev1:ZGV2LW9ubHktcGF5bG9hZC1rZXktMzItYnl0ZXMtbG8=';
const DEV_SECRET = 'dev-only-secret-change-me';
// The Veriff simulator's integration (simulator/): its key, its shared secret and its address.
const DEV_VERIFF_API_KEY = 'sim-api-key';
const DEV_VERIFF_SECRET = 'sim-shared-secret-key';
const DEV_VERIFF_BASE_URL = 'http://localhost:8090';
const DEV_KEY_BYTES = [DEV_PII_KEYS, DEV_PAYLOAD_KEYS].map((ring) => Buffer.from(ring.split(':')[1]!, 'base64'));
const DEV_SECRETS = [DEV_SECRET, DEV_VERIFF_SECRET];

const onOff = (description: string) => z.enum(['true', 'false']).optional().describe(description);

// How this process reaches Temporal's frontend. Whoever reaches it unauthenticated can signal and
// update workflows, so a frontend on another host is reached with a client certificate (mTLS).
const temporalTlsSettings = {
  TEMPORAL_TLS_CA: z.string().min(1).optional().describe("PEM file of the CA (or bundle) that signed the Temporal frontend's certificate. Any TEMPORAL_TLS_* setting turns TLS on; without this one the system's trusted CAs check the frontend."),
  TEMPORAL_TLS_CERT: z.string().min(1).optional().describe("PEM file of this process's client certificate, presented to the frontend (mutual TLS); requires TEMPORAL_TLS_KEY."),
  TEMPORAL_TLS_KEY: z.string().min(1).optional().describe('PEM file of the private key of TEMPORAL_TLS_CERT; requires TEMPORAL_TLS_CERT.'),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional().describe("Name the frontend's certificate must carry (and the SNI sent), when it is not TEMPORAL_ADDRESS's host (a load balancer, an IP address)."),
  TEMPORAL_TLS_REQUIRED: onOff("Refuse to start without a client certificate (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY) when TEMPORAL_ADDRESS names another host: a frontend that lets this process in without one lets anyone in. Default: true in production, false otherwise. false in production only where the network itself authenticates every connection to the frontend (a service mesh's mutual TLS)."),
};

type TemporalTlsSettings = z.infer<z.ZodObject<typeof temporalTlsSettings>>;

// A certificate without its key (or the reverse) would silently connect without client auth.
function requireCertificatePair(config: TemporalTlsSettings, ctx: z.RefinementCtx): void {
  if (config.TEMPORAL_TLS_CERT && !config.TEMPORAL_TLS_KEY) ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: 'required with TEMPORAL_TLS_CERT (the private key of the client certificate)' });
  if (config.TEMPORAL_TLS_KEY && !config.TEMPORAL_TLS_CERT) ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CERT'], message: 'required with TEMPORAL_TLS_KEY (the client certificate of that key)' });
}

/** Whether connections to Temporal's frontend use TLS: any TEMPORAL_TLS_* file or name is set. */
export function usesTemporalTls(config: Pick<TemporalTlsSettings, 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_SERVER_NAME'>): boolean {
  return Boolean(config.TEMPORAL_TLS_CA || config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_KEY || config.TEMPORAL_TLS_SERVER_NAME);
}

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development').describe('Runtime mode; production refuses development and weak secrets, the Veriff simulator and the demo accounts (docs/security.md).'),
  DATABASE_URL: z.string().optional().describe('PostgreSQL URL. Unset: the embedded PGlite database under KYC_DATA_DIR.'),
  KYC_DATA_DIR: z.string().default('.data').describe('Where the embedded database and Temporal dev server keep their files.'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233').describe('Temporal frontend host:port. Set, `npm start` uses it instead of starting a dev server.'),
  TEMPORAL_NAMESPACE: z.string().default('default').describe('Temporal namespace.'),
  TEMPORAL_TASK_QUEUE: z.string().default('kyc-verification').describe('Task queue of the KYC worker; each worker also polls <queue>-media, where the workflows that keep a decided session\'s images run.'),
  ...temporalTlsSettings,
  KYC_WORKFLOW_BUNDLE: z.string().min(1).optional().describe('A workflow bundle made ahead (`npm run bundle-workflows -- <file>`): the worker starts in seconds instead of bundling the workflow code itself (`npm run stack` makes one). Unset: bundled at start.'),
  KYC_WORKER_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(2)
    // About 1.5 MiB each on top of a worker's 350 MiB: 250 keeps a worker under 1 GiB.
    .default(250)
    .describe("Verifications a worker keeps in memory between their events (Temporal's sticky cache); the others are replayed from their history when their next event comes. Bounds the worker's memory whatever the number of open verifications."),
  KYC_WORKER_WORKFLOW_HEAP_MIB: z.coerce
    .number()
    .int()
    .min(128)
    .optional()
    .describe("V8 old-space limit (MiB) of the worker's workflow threads, where the cached verifications live. Unset: 256 plus 1 per cached verification (worker/heap.ts). Without a limit V8 lets their garbage grow to about 1 GiB before collecting; raise it with the cache."),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000).describe('HTTP port of the API.'),
  PUBLIC_BASE_URL: z.string().url().default('http://localhost:8000').describe('Our public URL (Veriff webhooks are configured to <this>/api/kyc/webhook/veriff/).'),
  FRONTEND_URL: z.string().url().default('http://localhost:8000').describe('Where Veriff sends the browser back after the flow.'),
  KYC_VENDOR: z
    .enum(['veriff', 'local'])
    .default('veriff')
    .describe('The identity-verification vendor of this deployment: veriff (its hosted flow and webhooks), or local (customers upload their document to our pages and the self-hosted document check decides; no external service).'),
  VERIFF_BASE_URL: z.string().url().default(DEV_VERIFF_BASE_URL).describe('Veriff Station API base URL (the simulator by default; https://stationapi.veriff.com in production). Set, `npm start` does not start the simulator.'),
  VERIFF_API_KEY: z.string().min(1).default(DEV_VERIFF_API_KEY).describe('Veriff integration API key (X-AUTH-CLIENT on our calls and on its webhooks).'),
  VERIFF_API_SECRET: secret('Veriff shared secret used to sign API calls.', DEV_VERIFF_SECRET),
  VERIFF_WEBHOOK_SECRET: secret('Secret that signs Veriff webhooks (Veriff uses the integration shared secret).', DEV_VERIFF_SECRET),
  VERIFF_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000).describe('Timeout of one Veriff API call.'),
  KYC_SESSION_TIMEOUT: seconds(3600, 'Seconds a Veriff session may stay without a decision before the verification expires.'),
  KYC_MAX_RETRIES: z.coerce.number().int().min(0).default(3).describe('Resubmissions a customer may make before the verification is rejected.'),
  KYC_RESUBMISSION_WINDOW: seconds(7 * 24 * 3600, 'Seconds a customer has to retry after Veriff asks for a resubmission.'),
  KYC_REVIEW_SLA: seconds(24 * 3600, 'Seconds a reviewer has to decide before the case escalates to a senior reviewer (default 24 h).'),
  KYC_ESCALATION_SLA: seconds(48 * 3600, 'Seconds a senior reviewer has after escalation before ops are alerted (default 48 h).'),
  KYC_RISK_REVIEW_THRESHOLD: z.coerce.number().int().min(0).max(100).default(80).describe('Risk scores above this go to manual review.'),
  KYC_HIGH_RISK_COUNTRIES: z
    .string()
    .default('KP,IR,MM')
    .describe('ISO alpha-2 codes whose residents or nationals add country risk (default: the FATF call-for-action list).')
    .transform((v) => v.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean)),
  KYC_RATE_LIMIT_PER_IP: z.coerce.number().int().positive().default(5).describe('Verification starts per client IP per hour.'),
  KYC_WEBHOOK_TIMEOUT: seconds(30, 'Seconds the webhook endpoint may spend before answering.'),
  KYC_PII_KEYS: keyRing("The service key ring, \"id:base64(32 random bytes)\" comma-separated (a key: openssl rand -base64 32): wraps customers' data keys and webhook subscription secrets; the first wraps, all unwrap.", DEV_PII_KEYS),
  KYC_PII_HASH_KEY: secret('Key of the keyed hash (HMAC-SHA256) over document numbers.', DEV_SECRET),
  KYC_KEY_STORE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgresql:// URL')
    .optional()
    .describe("PostgreSQL URL of the key store (customers' data keys), backed up apart from DATABASE_URL so that restoring an older main database never restores an erased customer's key. Unset: the main database (development only; required in production)."),
  KYC_AML_RETENTION_YEARS: z.coerce
    .number()
    .positive()
    .default(5)
    .describe('Years the due-diligence record of an approved or reviewed verification is kept, restricted, after the customer relationship ends (FATF recommendation 11, EU AML directive: 5); fractions are allowed, for tests.'),
  KYC_RETENTION_WEBHOOK_BODY_DAYS: days(90, "Days the raw body of a vendor webhook is kept (the decision's facts live on in the record)."),
  KYC_RETENTION_REJECTED_DAYS: days(365, 'Days the personal data of a rejected (or failed) application nobody reviewed is kept after it ended.'),
  KYC_RETENTION_EXPIRED_DAYS: days(90, 'Days the personal data of an expired or abandoned application is kept after it ended.'),
  KYC_RETENTION_SESSION_LINK_DAYS: days(7, "Days the vendor session link (a bearer URL into the customer's identity check) is kept once the verification ended."),
  KYC_RETENTION_SECURITY_LOG_DAYS: days(365, 'Days a security log entry (client address, user id) is kept.'),
  KYC_RETENTION_DELIVERY_LOG_DAYS: days(90, 'Days a finished outbound webhook delivery and its attempt log are kept.'),
  KYC_RETENTION_UNATTACHED_UPLOAD_DAYS: days(7, 'Days a document image uploaded by a customer is kept while no application references it.'),
  KYC_VENDOR_DELETIONS_PER_HOUR: z.coerce.number().int().positive().default(5).describe("Session deletions the identity vendor accepts per hour (Veriff: 5); erasures queue theirs within it."),
  KYC_PAYLOAD_KEYS: keyRing('Temporal payload encryption keys, same format as KYC_PII_KEYS.', DEV_PAYLOAD_KEYS),
  JWT_SECRET: secret('HS256 secret of the tokens this service issues.', DEV_SECRET),
  JWT_ISSUER: z.string().default('kyc-service').describe('Issuer of the tokens this service issues.'),
  JWT_TTL_SECONDS: seconds(3600, 'Lifetime of issued access tokens.'),
  KYC_LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5).describe('Failed sign-ins in a row for one username before it is locked for a while (unknown usernames alike).'),
  KYC_LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(20).describe('Failed sign-ins in a row from one client address before it is locked for a while.'),
  KYC_LOGIN_LOCK_SECONDS: seconds(30, 'First lock after too many failed sign-ins; each further failure doubles it.'),
  KYC_LOGIN_LOCK_MAX_SECONDS: seconds(900, 'Longest lock after failed sign-ins.'),
  // Where the API listens, and the throttle of registrations (api/use-cases/register-customer.ts).
  HOST: z
    .string()
    .min(1)
    .optional()
    .describe('Address the API binds to (0.0.0.0 or :: for every interface). Unset: 127.0.0.1 for `npm start`, whose public development secrets would let anyone reaching it sign an admin token; every interface for the API process of production (api/server.ts).'),
  KYC_REGISTRATION_LIMIT_PER_IP: z.coerce.number().int().positive().default(20).describe('Registrations per client IP per hour (accepted or not, the answer is the same).'),
  KYC_REGISTRATION_LIMIT_PER_ADDRESS: z.coerce
    .number()
    .int()
    .positive()
    .default(5)
    .describe('Registrations per hour naming one username or one e-mail address (compared as accounts compare them: Unicode NFKC, case folded), from any client.'),
  KYC_JWT_PUBLIC_KEY_URL: z.string().url().optional().describe('JWKS URL of an external identity provider whose tokens are accepted too (unset: only our own tokens); https in production.'),
  KYC_JWT_EXTERNAL_ISSUER: z.string().min(1).optional().describe('The `iss` the external provider puts in its tokens; required with KYC_JWT_PUBLIC_KEY_URL.'),
  KYC_JWT_EXTERNAL_AUDIENCE: z.string().min(1).optional().describe('The `aud` external tokens must carry (this service); required with KYC_JWT_PUBLIC_KEY_URL.'),
  KYC_JWT_EXTERNAL_ROLE_CLAIM: z.string().min(1).default('kyc_role').describe('Claim of external tokens naming the role (customer, reviewer, senior_reviewer, admin, auditor); absent: customer.'),
  KYC_TRUST_PROXY: z.string().min(1).default('loopback').describe('Which proxies may set X-Forwarded-For (Express "trust proxy": true, a hop count, or addresses and subnets such as loopback): the client IP the rate limits count.'),
  TEMPORAL_UI_ORIGIN: z
    .string()
    .default('http://127.0.0.1:8233,http://localhost:8233')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .describe('Origins (comma-separated) of the Temporal Web UI allowed to call the codec endpoints from the browser (`npm start` adds the UI it runs).'),
  KYC_CODEC_LOCAL_UI: onOff('Let the local Temporal UI (a TEMPORAL_UI_ORIGIN page, from a loopback address, without a token) decode payloads. Default: true in development, false otherwise; refused in production.'),
  KYC_CODEC_ENCODE: onOff('Offer POST /codec/encode (admins), so the Temporal UI and CLI can send signals and start workflows our workers accept. Default: true in development, false otherwise; refused in production, where only the API and the workers hold the payload key.'),
  KYC_CODEC_ACCEPT_PLAINTEXT: onOff('Let workers accept payloads that are not encrypted with a key of KYC_PAYLOAD_KEYS (the Temporal CLI or UI sending plain JSON). Default: true in development, false otherwise; refused in production: an update, signal or start anyone who reaches Temporal could forge would be trusted.'),
  KYC_HSTS: z
    .string()
    .regex(/^(on|off|\d{1,9})$/, 'must be on, off or a max-age in seconds')
    .optional()
    .describe('Strict-Transport-Security on every answer: on (max-age one year), off, or a max-age in seconds. Default: on in production, off otherwise.'),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233').describe('Base URL of the Temporal Web UI; the admin pages link each verification to its workflow there.'),
  KYC_DEMO_ACCOUNTS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe('Create the demo accounts (testuser/testpass123 and staff) at start.'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level.'),
  // Operations: alert thresholds and the ops schedules (Temporal Schedules).
  KYC_ALERT_PENDING_RECORDS_LIMIT: z.coerce.number().int().min(0).default(100).describe('Alert when more verifications than this wait for the customer (pending or in_progress) (pending_records_limit).'),
  KYC_ALERT_APPROVAL_RATE_MINIMUM: z.coerce.number().min(0).max(100).default(50).describe("Alert when a day's approval rate (approved / decided, percent) falls below this (approval_rate_minimum)."),
  KYC_ALERT_PROCESSING_TIME_MAXIMUM: z.coerce.number().positive().default(120).describe("Alert when a day's average minutes from start to approval exceed this (processing_time_maximum)."),
  KYC_ALERT_STUCK_RECORDS_THRESHOLD: z.coerce.number().positive().default(2).describe('Hours after which a pending or in_progress verification counts as stuck, and an unprocessed webhook receipt too (stuck_records_threshold).'),
  KYC_OPS_TIMEZONE: z
    .string()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone, e.g. UTC or Africa/Gaborone')
    .describe('IANA time zone of the ops schedules (cleanup 02:00, report 08:00) and of the days in statistics and reports.'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464).describe('Port of the API process serving Prometheus /metrics (separate from PORT, so the load balancer never exposes it).'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465).describe("Port of the Temporal worker runtime's Prometheus /metrics."),
  METRICS_HOST: z.string().min(1).default('127.0.0.1').describe('Address the /metrics servers bind to (0.0.0.0: every interface, e.g. for a scraper in another container).'),
  // Domain events (events/): RabbitMQ through the outbox relay, and signed outbound webhooks.
  KYC_EVENT_BROKER_URL: z
    .string()
    .regex(/^amqps?:\/\/[^\s]+$/, 'must be an amqp:// or amqps:// URL')
    .optional()
    .describe('RabbitMQ the outbox relay publishes to (exchange kyc.events). Unset: events stay in the outbox and reach webhook subscribers only.'),
  KYC_NOTIFY_URL: z.string().url().optional().describe('A webhook subscriber managed by configuration, receiving every event type (the customer notifications).'),
  KYC_NOTIFY_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by base64 (at least 24 bytes)')
    .optional()
    .describe('Signing secret of the KYC_NOTIFY_URL subscriber, so it can verify signatures (unset: generated and kept).'),
  KYC_WEBHOOK_RETRY_WINDOW: seconds(3 * 24 * 3600, 'Seconds a webhook delivery is retried before it is given up and ops are alerted (3 days).'),
  KYC_WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().positive().default(5_000).describe('First retry delay of a failed webhook delivery; doubles per attempt, with jitter.'),
  KYC_WEBHOOK_RETRY_MAX_INTERVAL: seconds(6 * 3600, 'Longest delay between two attempts of a webhook delivery.'),
  KYC_WEBHOOK_DELIVERY_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(10_000).describe('Timeout of one webhook delivery attempt (connect to end of response).'),
  KYC_WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .regex(/^(true|false|[0-9A-Fa-f.:]+\/\d{1,3}(\s*,\s*[0-9A-Fa-f.:]+\/\d{1,3})*)$/, 'must be true, false or a comma-separated list of CIDR ranges')
    .optional()
    .describe('Webhook subscriber addresses: "true" allows private, loopback and link-local ones, "false" refuses them, a comma-separated CIDR list allows those ranges only. Unset: refused in production, allowed otherwise.'),
  // Identity documents (document-check/, store/documents.ts).
  KYC_DOCUMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(50 * 1024 * 1024)
    .default(10 * 1024 * 1024)
    .describe('Largest document image accepted (uploads, POST /api/v1/verify and the media kept from Veriff), in bytes.'),
  KYC_DOCUMENT_OCR_WORKERS: z.coerce.number().int().min(1).max(8).default(1).describe('OCR workers of each process that checks documents (each holds about 100 MB and one core while it reads).'),
  KYC_DOCUMENT_CHECK_TIMEOUT: seconds(300, 'Seconds one document check may take in the worker before it is retried (the check itself takes 1-8 s of CPU; the rest is waiting for an OCR worker).'),
  KYC_DOCUMENT_CHECK_SETTINGS: z
    .string()
    .default('{}')
    .describe('Thresholds of the document check as JSON, any subset of the tree in document-check/settings.ts (each described there), e.g. {"ela":{"failScore":50}}; the rest keep their defaults. A bad value stops the process naming the setting.')
    .transform((value, ctx) => {
      try {
        const parsed: unknown = JSON.parse(value);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // Reported below, with the rule.
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object, e.g. {"ela":{"failScore":50}}' });
      return z.NEVER;
    }),
  // Limits on what costs far more than a read: stored uploads, the document check, screening searches.
  KYC_DOCUMENT_MAX_PIXELS: z.coerce
    .number()
    .int()
    .min(1_000_000)
    .max(100_000_000)
    .default(25_000_000)
    .describe('Largest document image accepted (uploads, kept vendor images and POST /api/v1/verify), in pixels (width x height): a small file can decode to a huge picture; a larger one is answered 413 before any pixel is decoded.'),
  KYC_UPLOADS_WAITING_MAX: z.coerce.number().int().min(1).default(6).describe('Document images a customer may have uploaded ahead of an application (POST /v1/kyc/files) that no application uses yet; more answer 409 until one is used or expires.'),
  KYC_UPLOADS_PER_ATTEMPT_MAX: z.coerce.number().int().min(3).default(9).describe("Document images a customer may upload to one attempt of a verification (front, back, selfie and their retakes); more answer 409."),
  KYC_UPLOADS_PER_HOUR_PER_CUSTOMER: z.coerce.number().int().positive().default(30).describe('Document uploads one customer may send per hour (both upload endpoints); more answer 429.'),
  KYC_UPLOADS_PER_HOUR_PER_IP: z.coerce.number().int().positive().default(120).describe('Document uploads one client address may send per hour, whichever accounts send them; more answer 429.'),
  KYC_VERIFY_PER_HOUR: z.coerce.number().int().positive().default(120).describe('POST /api/v1/verify requests one caller (staff member or service account) may send per hour (each is seconds of OCR); more answer 429.'),
  KYC_VERIFY_QUEUE_MAX: z.coerce.number().int().min(0).default(4).describe("POST /api/v1/verify requests that may wait for the API process's OCR workers beyond those being checked (each holds its image in memory); more answer 503 with Retry-After."),
  KYC_SCREENING_SEARCHES_PER_HOUR: z.coerce.number().int().positive().default(600).describe('Ad-hoc screening searches (POST /api/screening/search) one staff member may run per hour; more answer 429.'),
  // Sanctions and PEP screening (screening/).
  SCREENING_MATCH_THRESHOLD: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.8)
    .describe('Screening score (0..1) from which a listed entry counts as a potential match of a customer.'),
  SCREENING_SOURCES: z
    .string()
    .default('')
    .describe(`Lists to refresh, "source=url-or-path" comma-separated; sources: ${SCREENING_SOURCES.join(', ')} (ofac-sdn: a folder or a URL ending in "/" holding sdn.csv, alt.csv and add.csv; un-sc: the consolidated XML; opensanctions: entities.ftm.json or a delta file). Empty: the bundled copies only.`)
    .transform((value, ctx) => {
      const sources: { source: string; location: string }[] = [];
      for (const item of value.split(',').map((part) => part.trim()).filter(Boolean)) {
        const separator = item.indexOf('=');
        const source = separator > 0 ? item.slice(0, separator).trim() : '';
        const location = separator > 0 ? item.slice(separator + 1).trim() : '';
        if (!isScreeningSource(source) || !location) {
          ctx.addIssue({ code: 'custom', message: `"${item}" must look like source=url-or-path with source one of ${SCREENING_SOURCES.join(', ')}` });
          return z.NEVER;
        }
        sources.push({ source, location });
      }
      return sources;
    }),
  SCREENING_REQUIRED_SOURCES: z
    .string()
    .default('ofac-sdn,un-sc')
    .describe(`Lists every screening needs in force (comma-separated; sources: ${SCREENING_SOURCES.join(', ')}). A verification screened while one is not loaded, or older than SCREENING_MAX_LIST_AGE_HOURS, is held in review (SCREENING_INCOMPLETE) and an alert raised; it cannot be approved until the lists are back. Empty: none required.`)
    .transform((value, ctx) => {
      const sources = [...new Set(value.split(',').map((part) => part.trim()).filter(Boolean))];
      const unknown = sources.filter((source) => !isScreeningSource(source));
      if (unknown.length) {
        ctx.addIssue({ code: 'custom', message: `unknown list source ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${SCREENING_SOURCES.join(', ')})` });
        return z.NEVER;
      }
      return sources.filter(isScreeningSource);
    }),
  SCREENING_MAX_LIST_AGE_HOURS: z
    .string()
    .regex(/^(\d+(\.\d+)?|([a-z-]+=\d+(\.\d+)?)(,[a-z-]+=\d+(\.\d+)?)*)$/, 'must be a number of hours, or source=hours pairs separated by commas')
    .optional()
    .describe('How long a required list stays usable after its last successful refresh (loaded, or found unchanged): hours for every required list ("48"), or per source ("ofac-sdn=48,un-sc=48"). Default: 48 in production; no limit in development and tests (the bundled copies are not refreshed there).')
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      if (/^\d/.test(value)) return { all: Number(value) } as const;
      const perSource: Partial<Record<(typeof SCREENING_SOURCES)[number], number>> = {};
      for (const pair of value.split(',')) {
        const [source, hours] = pair.split('=') as [string, string];
        if (!isScreeningSource(source)) {
          ctx.addIssue({ code: 'custom', message: `unknown list source "${source}" (known: ${SCREENING_SOURCES.join(', ')})` });
          return z.NEVER;
        }
        perSource[source] = Number(hours);
      }
      return { perSource } as const;
    }),
  SCREENING_FULL_RESCREEN_DAYS: z.coerce
    .number()
    .int()
    .positive()
    .default(30)
    .describe('Days between two full rescreens of every verified customer against all lists in force (list updates rescreen against their delta at once).'),
  SCREENING_HIT_ACTION: z
    .enum(['review', 'restrict'])
    .default('review')
    .describe('What a new potential match on an approved customer (ongoing screening) does: review opens a review case; restrict also restricts (freezes) the customer’s wallet until the case is decided. A confirmed match restricts the wallet in either case.'),
}).superRefine(requireCertificatePair);

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  assertExternalIdentityComplete(parsed.data);
  assertTemporalClientAuth(parsed.data);
  assertProductionSafe(parsed.data);
  return parsed.data;
}

// A JWKS URL alone would accept any issuer's and any audience's tokens signed by that provider.
function assertExternalIdentityComplete(config: Config): void {
  if (!config.KYC_JWT_PUBLIC_KEY_URL) return;
  const problems: string[] = [];
  if (!config.KYC_JWT_EXTERNAL_ISSUER) problems.push('KYC_JWT_EXTERNAL_ISSUER: required with KYC_JWT_PUBLIC_KEY_URL');
  if (!config.KYC_JWT_EXTERNAL_AUDIENCE) problems.push('KYC_JWT_EXTERNAL_AUDIENCE: required with KYC_JWT_PUBLIC_KEY_URL');
  if (config.KYC_JWT_EXTERNAL_ISSUER === config.JWT_ISSUER) problems.push('KYC_JWT_EXTERNAL_ISSUER: must differ from JWT_ISSUER (the issuer decides which key checks a token)');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

// Only the frontend's own host can reach it over loopback; any other is on the network.
function assertTemporalClientAuth(config: Config): void {
  const required = (config.TEMPORAL_TLS_REQUIRED ?? (config.NODE_ENV === 'production' ? 'true' : 'false')) === 'true';
  if (!required || config.TEMPORAL_TLS_CERT || isLoopbackHost(hostOfAddress(config.TEMPORAL_ADDRESS))) return;
  throw new ConfigError(
    `Invalid configuration:\n  TEMPORAL_TLS_CERT: required for a Temporal frontend on another host (TEMPORAL_ADDRESS ${config.TEMPORAL_ADDRESS})${config.TEMPORAL_TLS_REQUIRED ? '' : ' in production'}: ` +
      'give this process a client certificate (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA) and make the frontend require one; TEMPORAL_TLS_REQUIRED=false only where a service mesh authenticates the connection',
  );
}

// "host:port", "[v6]:port" or a bare host.
function hostOfAddress(address: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1]!;
  const colon = address.lastIndexOf(':');
  return colon > 0 && address.indexOf(':') === colon ? address.slice(0, colon) : address;
}

// The hosts that mean "this machine": a Veriff URL naming one is the simulator, not Veriff.
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./.test(host);
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Whether the codec lets the local Temporal UI decode without a token (KYC_CODEC_LOCAL_UI). */
export function codecAdmitsLocalUi(config: Pick<Config, 'NODE_ENV' | 'KYC_CODEC_LOCAL_UI'>): boolean {
  return (config.KYC_CODEC_LOCAL_UI ?? (config.NODE_ENV === 'development' ? 'true' : 'false')) === 'true';
}

/** Whether POST /codec/encode is offered (KYC_CODEC_ENCODE). */
export function codecOffersEncode(config: Pick<Config, 'NODE_ENV' | 'KYC_CODEC_ENCODE'>): boolean {
  return (config.KYC_CODEC_ENCODE ?? (config.NODE_ENV === 'development' ? 'true' : 'false')) === 'true';
}

/** Whether workers take payloads that no key of the ring encrypted (KYC_CODEC_ACCEPT_PLAINTEXT). */
export function codecAcceptsPlaintext(config: Pick<Config, 'NODE_ENV' | 'KYC_CODEC_ACCEPT_PLAINTEXT'>): boolean {
  return (config.KYC_CODEC_ACCEPT_PLAINTEXT ?? (config.NODE_ENV === 'development' ? 'true' : 'false')) === 'true';
}

const PRODUCTION_MAX_LIST_AGE_HOURS = 48;

/** The maximum age of each required list (SCREENING_MAX_LIST_AGE_HOURS), in hours; a source left out has no limit. */
export function maxListAgeHours(config: Pick<Config, 'NODE_ENV' | 'SCREENING_REQUIRED_SOURCES' | 'SCREENING_MAX_LIST_AGE_HOURS'>): Partial<Record<(typeof SCREENING_SOURCES)[number], number>> {
  const setting = config.SCREENING_MAX_LIST_AGE_HOURS ?? (config.NODE_ENV === 'production' ? { all: PRODUCTION_MAX_LIST_AGE_HOURS } : undefined);
  if (!setting) return {};
  if ('perSource' in setting && setting.perSource) return setting.perSource;
  const hours = 'all' in setting ? setting.all : undefined;
  return hours === undefined ? {} : Object.fromEntries(config.SCREENING_REQUIRED_SOURCES.map((source) => [source, hours]));
}

// Development values are public (they are in this file): production refuses them by value, under
// any key id, and refuses secrets and keys too weak to be anything but typed in by hand.
function assertProductionSafe(config: Config): void {
  if (config.NODE_ENV !== 'production') return;
  const problems: string[] = [];
  if (!config.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded database is for development)');
  if (!config.KYC_KEY_STORE_URL) problems.push("KYC_KEY_STORE_URL: required in production (customers' data keys must not share the main database's backups)");
  else if (config.KYC_KEY_STORE_URL === config.DATABASE_URL) problems.push('KYC_KEY_STORE_URL: must name another database than DATABASE_URL (its backups are kept apart)');
  for (const name of ['KYC_PII_KEYS', 'KYC_PAYLOAD_KEYS'] as const) {
    for (const { id, key } of config[name]) {
      const bytes = Buffer.from(key, 'base64');
      if (id === 'dev1' || DEV_KEY_BYTES.some((dev) => sameBytes(dev, bytes))) {
        problems.push(`${name}: key "${id}" is a development key, refused in production`);
        continue;
      }
      const weak = weakKeyReason(bytes);
      if (weak) problems.push(`${name}: key "${id}" ${weak}`);
    }
  }
  for (const name of ['KYC_PII_HASH_KEY', 'JWT_SECRET', 'VERIFF_API_SECRET', 'VERIFF_WEBHOOK_SECRET'] as const) {
    if (DEV_SECRETS.includes(config[name])) {
      problems.push(`${name}: the development secret is refused in production`);
      continue;
    }
    const weak = weakSecretReason(config[name]);
    if (weak) problems.push(`${name}: ${weak}`);
  }
  if (config.KYC_VENDOR === 'veriff') {
    if (config.VERIFF_API_KEY === DEV_VERIFF_API_KEY) problems.push("VERIFF_API_KEY: the simulator's key is refused in production");
    const veriff = new URL(config.VERIFF_BASE_URL);
    if (isLoopbackHost(veriff.hostname)) problems.push('VERIFF_BASE_URL: names this machine (the simulator); production talks to Veriff, e.g. https://stationapi.veriff.com');
    else if (veriff.protocol !== 'https:') problems.push('VERIFF_BASE_URL: must be https in production');
  }
  if (config.KYC_DEMO_ACCOUNTS) problems.push('KYC_DEMO_ACCOUNTS: must be false in production');
  if (config.KYC_JWT_PUBLIC_KEY_URL && !config.KYC_JWT_PUBLIC_KEY_URL.startsWith('https://')) problems.push('KYC_JWT_PUBLIC_KEY_URL: must be https in production');
  if (config.KYC_CODEC_LOCAL_UI === 'true') problems.push('KYC_CODEC_LOCAL_UI: must not be true in production (the codec would decode for anyone on the host without a token)');
  if (config.KYC_CODEC_ENCODE === 'true') problems.push('KYC_CODEC_ENCODE: must not be true in production (whoever may encode may forge a reviewer\'s decision through Temporal)');
  if (config.KYC_CODEC_ACCEPT_PLAINTEXT === 'true') problems.push('KYC_CODEC_ACCEPT_PLAINTEXT: must not be true in production (workers would trust payloads anyone who reaches Temporal can write)');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}
