// The Veriff Station API surface (/v1). Bodies are read raw so signatures are checked on the exact bytes.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response } from 'express';
import { type z } from 'zod';
import {
  createSessionRequestSchema,
  mediaUploadRequestSchema,
  sessionUpdateRequestSchema,
  VERIFF_ERROR_CODES as CODES,
  type DecisionPerson,
} from '../vendors/veriff/contract';
import { isSha256Hex, verifySignature } from '../vendors/veriff/signature';
import { type SessionFlows } from './flows';
import { ensureDecidedMedia } from './media';
import { inShare, makeSessionToken, sessionStatus, type SimMedia, type SimSession, type SimulatorStore } from './store';

/** Simulator-only codes: the contract documents none for these cases, so nothing may rely on their values. */
export const SIM_CODES = { notFound: 1404, internal: 1500, shuttingDown: 1503 } as const;
const MAX_BODY = '25mb';

export interface ApiContext {
  apiKey: string;
  apiSecret: string;
  publicBaseUrl: string;
  store: SimulatorStore;
  flows: SessionFlows;
}

export function fail(res: Response, httpStatus: number, code: number, message: string): void {
  res.status(httpStatus).json({ status: 'fail', code, message });
}

function header(req: Request, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = req.get(name);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Veriff distinguishes "a mandatory field is absent" (1102) from "a field is wrong" (1104). */
function validationCode(input: unknown, error: z.ZodError): number {
  const missing = error.issues.some((issue) => {
    let node: unknown = input;
    for (const key of issue.path) node = isRecord(node) ? node[String(key)] : undefined;
    return node === undefined;
  });
  return missing ? CODES.missingParameters : CODES.invalidParameters;
}

function issueSummary(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

function rejectInvalid(res: Response, input: unknown, error: z.ZodError): void {
  const code = validationCode(input, error);
  const lead = code === CODES.missingParameters ? 'Mandatory parameters are missing from the request' : 'Request parameters are invalid';
  fail(res, 400, code, `${lead}: ${issueSummary(error)}`);
}

function sessionUrl(ctx: ApiContext, session: SimSession): string {
  return `${ctx.publicBaseUrl}/v/${session.token}`;
}

export function sessionSummary(ctx: ApiContext, session: SimSession): Record<string, unknown> {
  return {
    id: session.id,
    url: sessionUrl(ctx, session),
    vendorData: session.request.vendorData ?? null,
    host: ctx.publicBaseUrl,
    status: sessionStatus(session),
    sessionToken: session.token,
  };
}

function personOf(session: SimSession): DecisionPerson {
  const decided = session.decision?.verification.person;
  if (decided) return decided;
  const { person, document } = session.request;
  return {
    firstName: person?.firstName ?? null,
    lastName: person?.lastName ?? null,
    idNumber: person?.idNumber ?? null,
    dateOfBirth: person?.dateOfBirth ?? null,
    nationality: document?.country ?? null,
    gender: null,
  };
}

function mediaView(ctx: ApiContext, item: SimMedia): Record<string, unknown> {
  return {
    id: item.id,
    name: item.context,
    context: item.context,
    timestamp: item.timestamp,
    size: item.content.length,
    mimetype: item.mimetype,
    url: `${ctx.publicBaseUrl}/v1/media/${item.id}`,
    sessionId: item.sessionId,
  };
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+);base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeImage(content: string): { mimetype: string; bytes: Buffer } | undefined {
  const match = DATA_URI.exec(content);
  const payload = (match ? content.slice(match[0].length) : content).replace(/\s+/g, '');
  if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64.test(payload)) return undefined;
  return { mimetype: match?.[1] ?? 'image/jpeg', bytes: Buffer.from(payload, 'base64') };
}

/** Mount at /v1. */
export function veriffApiRouter(ctx: ApiContext): express.Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: MAX_BODY }));

  router.use((req, res, next) => {
    const key = header(req, 'x-auth-client', 'vrf-auth-client');
    if (key === undefined) return fail(res, 401, CODES.authClientMissing, 'Mandatory X-AUTH-CLIENT header containing the API key is missing from the request.');
    if (key !== ctx.apiKey) return fail(res, 401, CODES.integrationNotFound, 'Integration with the API key was not found.');
    next();
  });

  /** Checks the HMAC over `message`; answers the failure itself and returns false when it does not hold. */
  function signed(req: Request, res: Response, message: Buffer | string, mismatchCode: number, required = true): boolean {
    const signature = header(req, 'x-hmac-signature', 'vrf-hmac-signature')?.trim();
    if (signature === undefined && !required) return true;
    if (!isSha256Hex(signature)) {
      fail(res, 401, CODES.signatureNotSha256, 'Signature is not a valid SHA256 hash.');
      return false;
    }
    if (!verifySignature(message, signature, ctx.apiSecret)) {
      const what = mismatchCode === CODES.signatureIdMismatch ? 'the id' : 'the request body';
      fail(res, 401, mismatchCode, `Signature does not match ${what}.`);
      return false;
    }
    return true;
  }

  /** Resolves :id after checking the signature over it (GET/DELETE). */
  function sessionSignedById(req: Request<{ id: string }>, res: Response): SimSession | undefined {
    if (!signed(req, res, req.params.id, CODES.signatureIdMismatch)) return undefined;
    return existing(req.params.id, res);
  }

  function existing(id: string, res: Response): SimSession | undefined {
    const session = ctx.store.getSession(id);
    if (session === undefined) fail(res, 404, SIM_CODES.notFound, 'Session not found.');
    return session;
  }

  router.post('/sessions', async (req, res) => {
    const fault = ctx.store.createSessionFaults.shift();
    if (fault) return fail(res, fault.httpStatus, fault.code, fault.message);
    const { faultProfile: profile, faultCounts: counts } = ctx.store;
    if (profile.createSessionDelayMs > 0) await sleep(profile.createSessionDelayMs);
    counts.sessionCreations += 1;
    if (inShare(counts.sessionCreations, profile.createSessionFailureRatio)) {
      counts.sessionCreationsFailed += 1;
      return fail(res, 503, SIM_CODES.internal, 'Injected fault: service temporarily unavailable.');
    }
    const raw = rawBody(req);
    // The one call where the signature is optional; a wrong one still fails.
    if (!signed(req, res, raw, CODES.signatureBodyMismatch, false)) return;
    const json = parseJson(raw);
    if (!isRecord(json) || !isRecord(json.verification)) {
      return fail(res, 400, CODES.missingParameters, 'Mandatory parameters are missing from the request: verification.');
    }
    const parsed = createSessionRequestSchema.safeParse(json);
    if (!parsed.success) {
      return rejectInvalid(res, json, parsed.error);
    }
    const id = crypto.randomUUID();
    const now = new Date().toISOString();
    const session: SimSession = {
      id,
      token: makeSessionToken(id, ctx.apiSecret),
      createdTime: now,
      request: parsed.data.verification,
      attempts: [{ id: crypto.randomUUID(), status: 'created', createdTime: now }],
      decision: null,
    };
    ctx.store.addSession(session);
    ctx.flows.scheduleAutoDecision(session);
    res.status(201).json({ status: 'success', verification: sessionSummary(ctx, session) });
  });

  router.get('/sessions/:id/decision', (req, res) => {
    const session = sessionSignedById(req, res);
    if (session) res.json({ status: 'success', verification: session.decision?.verification ?? null });
  });

  router.patch('/sessions/:id', (req, res) => {
    const raw = rawBody(req);
    if (!signed(req, res, raw, CODES.signatureBodyMismatch)) return;
    const session = existing(req.params.id, res);
    if (!session) return;
    const json = parseJson(raw);
    const parsed = sessionUpdateRequestSchema.safeParse(json);
    if (!parsed.success) return fail(res, 400, CODES.missingParameters, `Mandatory parameters are missing from the request: ${issueSummary(parsed.error)}`);
    if (parsed.data.verification.status !== 'submitted') return fail(res, 400, CODES.invalidStatus, 'Invalid status: only "submitted" can be set.');
    const current = sessionStatus(session);
    if (current !== 'created' && current !== 'started') {
      return fail(res, 409, CODES.cannotTransition, `Session cannot be submitted from status ${current}.`);
    }
    ctx.flows.submitInBackground(session);
    res.json({ status: 'success', verification: sessionSummary(ctx, session) });
  });

  router.post('/sessions/:id/media', (req, res) => {
    const raw = rawBody(req);
    if (!signed(req, res, raw, CODES.signatureBodyMismatch)) return;
    const session = existing(req.params.id, res);
    if (!session) return;
    const json = parseJson(raw);
    const parsed = mediaUploadRequestSchema.safeParse(json);
    if (!parsed.success) return rejectInvalid(res, json, parsed.error);
    const current = sessionStatus(session);
    if (current !== 'created' && current !== 'started') {
      return fail(res, 409, CODES.cannotTransition, `Media cannot be added to a session in status ${current}.`);
    }
    const image = decodeImage(parsed.data.image.content);
    if (!image) return fail(res, 400, CODES.invalidParameters, 'image.content is not valid base64.');
    const item: SimMedia = {
      id: crypto.randomUUID(),
      sessionId: session.id,
      context: parsed.data.image.context,
      mimetype: image.mimetype,
      content: image.bytes,
      timestamp: parsed.data.image.timestamp ?? new Date().toISOString(),
    };
    ctx.store.addMedia(item);
    res.json({ status: 'success', image: mediaView(ctx, item) });
  });

  router.get('/sessions/:id/media', async (req, res) => {
    const session = sessionSignedById(req, res);
    if (!session) return;
    await ensureDecidedMedia(ctx.store, session);
    res.json({ status: 'success', videos: [], images: ctx.store.mediaOf(session.id).map((item) => mediaView(ctx, item)) });
  });

  router.get('/media/:mediaId', (req, res) => {
    if (!signed(req, res, req.params.mediaId, CODES.signatureIdMismatch)) return;
    const item = ctx.store.media.get(req.params.mediaId);
    if (!item) return fail(res, 404, SIM_CODES.notFound, 'Media not found.');
    res.type(item.mimetype).send(item.content);
  });

  router.get('/sessions/:id/person', (req, res) => {
    const session = sessionSignedById(req, res);
    if (session) res.json({ status: 'success', person: { id: session.id, ...personOf(session), pepSanctionMatches: [] } });
  });

  router.get('/sessions/:id/attempts', (req, res) => {
    const session = sessionSignedById(req, res);
    if (!session) return;
    const verifications = [...session.attempts].reverse().map(({ id, status, createdTime }) => ({ id, status, createdTime }));
    res.json({ status: 'success', verifications });
  });

  router.delete('/sessions/:id', (req, res) => {
    const session = sessionSignedById(req, res);
    if (!session) return;
    ctx.store.deleteSession(session.id);
    res.json({ status: 'success', verification: { id: session.id } });
  });

  router.use((_req, res) => fail(res, 404, SIM_CODES.notFound, 'Unknown endpoint.'));
  return router;
}
