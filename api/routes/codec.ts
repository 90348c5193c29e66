import { type Payload } from '@temporalio/common';
import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { codecAdmitsLocalUi, codecOffersEncode, type Config } from '../../domain/config';
import { EncryptionCodec } from '../../infra/payload-codec';
import { type ApiRouter } from '../openapi';
import { Problem, ROUTE_PATTERN_LOCAL } from '../problem';
import { zodFieldErrors } from '../validate';

// Temporal's remote codec protocol, so the Temporal Web UI and CLI show workflow payloads in clear
// to the people allowed to see them: POST /codec/decode and /codec/encode with
// {payloads: [{metadata: {key: base64}, data: base64}]} (the protobuf JSON form of Payload).

// Decoding shows every payload of every history in clear, PII included: only the roles that
// operate (admin) or audit (auditor) the system. Encoding lets the UI send signals and start
// workflows with data our workers accept: that is operating the system, so admin only.
const DECODE_ROLES = ['admin', 'auditor'] as const;
const ENCODE_ROLES = ['admin'] as const;

// A history page can hold many payloads, each up to Temporal's 2 MB blob limit.
const CODEC_BODY_LIMIT = '8mb';
const MAX_PAYLOADS = 10_000;

const base64 = z.base64().max(4 * 1024 * 1024);

export const payloadJsonSchema = z.object({
  metadata: z.record(z.string().max(256), base64).nullish(),
  data: base64.nullish(),
});
// Protobuf JSON leaves out empty repeated fields: Temporal's CLI sends {} for "no payloads".
export const codecRequestSchema = z.object({ payloads: z.array(payloadJsonSchema).max(MAX_PAYLOADS).default([]) });
export const codecResponseSchema = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()), data: z.string() })) });

type PayloadJson = z.infer<typeof payloadJsonSchema>;

function fromJson(payload: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): z.input<typeof codecResponseSchema>['payloads'][number] {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

// The browser calls us from the UI's origin: allowed origins get CORS headers (with credentials,
// for UIs that send cookies); preflights are answered here, before any token is asked for.
function cors(origins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.header('origin');
    if (origin && origins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    res.vary('Origin');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

// The socket's own peer, not req.ip: X-Forwarded-For must not be able to claim "this machine".
function isLoopbackPeer(req: Request): boolean {
  const peer = req.socket.remoteAddress ?? '';
  return peer === '::1' || /^(::ffff:)?127\./.test(peer);
}

/**
 * The local Temporal UI of a development setup (npm start): the page is served from one of
 * TEMPORAL_UI_ORIGIN to a browser on this machine and sends no token (its codec settings carry
 * none without an OIDC login). Anything forwarded by a proxy, or carrying a token, takes the
 * normal path. The Origin header is the browser's word, so this is for development only: the
 * configuration refuses KYC_CODEC_LOCAL_UI=true in production.
 */
function fromLocalUi(req: Request, origins: readonly string[]): boolean {
  const origin = req.header('origin');
  return (
    origin !== undefined &&
    origins.includes(origin) &&
    isLoopbackPeer(req) &&
    req.header('authorization') === undefined &&
    req.header('x-forwarded-for') === undefined &&
    req.header('forwarded') === undefined
  );
}

const namespaceHeaderSchema = z.object({
  'x-namespace': z.string().max(255).optional().describe('The namespace whose payloads these are (sent by the Temporal UI)'),
});

export function codecRoutes(api: ApiRouter, config: Pick<Config, 'KYC_PAYLOAD_KEYS' | 'TEMPORAL_UI_ORIGIN' | 'TEMPORAL_NAMESPACE' | 'NODE_ENV' | 'KYC_CODEC_LOCAL_UI' | 'KYC_CODEC_ENCODE'>): void {
  // For display: a payload the service did not seal (someone's plain JSON) is shown as it is; the
  // workers refuse it (infra/payload-codec.ts).
  const codec = new EncryptionCodec(config.KYC_PAYLOAD_KEYS, { acceptPlaintext: true });
  api.express.use(cors(config.TEMPORAL_UI_ORIGIN));
  // History pages are larger than API requests: this router is mounted ahead of the app's 64 kB
  // JSON parser and parses its own bodies, once the caller's role is known.
  const json = express.json({ limit: CODEC_BODY_LIMIT });

  const run = async (namespace: string | undefined, payloads: PayloadJson[], operation: (p: Payload[]) => Promise<Payload[]>) => {
    // Temporal's CLI sends an empty X-Namespace when it was given no namespace.
    if (namespace && namespace !== config.TEMPORAL_NAMESPACE) {
      throw new Problem('bad_request', `This codec serves the ${config.TEMPORAL_NAMESPACE} namespace only`);
    }
    let result: Payload[];
    try {
      result = await operation(payloads.map(fromJson));
    } catch {
      // Tampered, truncated or sealed with a key we do not hold: the client's payload, not our fault.
      throw new Problem('bad_request', 'A payload could not be decoded with this service\'s keys');
    }
    return { status: 200 as const, body: { payloads: result.map(toJson) } };
  };

  // Ahead of the declared route: a request from the local UI is answered here, any other goes on
  // to the role guard.
  if (codecAdmitsLocalUi(config)) {
    api.express.post('/decode', (req, res, next) => {
      if (!fromLocalUi(req, config.TEMPORAL_UI_ORIGIN)) return next();
      res.locals[ROUTE_PATTERN_LOCAL] = `${req.baseUrl}/decode`;
      res.setHeader('Cache-Control', 'no-store');
      json(req, res, (parseError?: unknown) => {
        if (parseError) return next(parseError);
        const parsed = codecRequestSchema.safeParse(req.body ?? {});
        if (!parsed.success) return next(new Problem('validation_failed', 'See errors for each field', zodFieldErrors(parsed.error)));
        run(req.header('x-namespace'), parsed.data.payloads, (p) => codec.decode(p)).then((reply) => res.status(reply.status).json(reply.body), next);
      });
    });
  }

  api.route(
    {
      method: 'post',
      path: '/decode',
      operationId: 'codecDecode',
      summary: 'Decrypt Temporal payloads (remote codec protocol)',
      description:
        'Payloads this service did not encrypt are returned unchanged. In development (KYC_CODEC_LOCAL_UI, never in production) the local Temporal UI may call it without a token: ' +
        'a browser on this machine (loopback, not forwarded by a proxy) on a page of TEMPORAL_UI_ORIGIN.',
      tags: ['Temporal codec'],
      access: DECODE_ROLES,
      headers: namespaceHeaderSchema,
      before: [json],
      body: { schema: codecRequestSchema },
      responses: { 200: { description: 'Decoded payloads, in order', schema: codecResponseSchema } },
      problems: ['bad_request'],
    },
    async (req) => run(req.header('x-namespace'), req.body.payloads, (p) => codec.decode(p)),
  );

  // Whoever may encode may write payloads the workers trust (a reviewer's decision, a vendor's
  // signal): development only, where the Temporal UI and CLI send them by hand.
  if (!codecOffersEncode(config)) return;
  api.route(
    {
      method: 'post',
      path: '/encode',
      operationId: 'codecEncode',
      summary: 'Encrypt Temporal payloads (remote codec protocol)',
      tags: ['Temporal codec'],
      access: ENCODE_ROLES,
      headers: namespaceHeaderSchema,
      before: [json],
      body: { schema: codecRequestSchema },
      responses: { 200: { description: 'Encoded payloads, in order', schema: codecResponseSchema } },
      problems: ['bad_request'],
    },
    async (req) => run(req.header('x-namespace'), req.body.payloads, (p) => codec.encode(p)),
  );
}
