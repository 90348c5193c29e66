// Test and demo controls. Not part of Veriff: nothing in the service may depend on these.
import express from 'express';
import { z } from 'zod';
import { VERIFF_ERROR_CODES, decisionDocumentSchema, decisionPersonSchema, decisionStatusSchema, eventActionSchema, riskLabelSchema, sessionDocumentSchema, sessionPersonSchema } from '../vendors/veriff/contract';
import { fail, SIM_CODES, sessionSummary, type ApiContext } from './api-routes';
import { prepareSpecimens } from './media';
import { type SimSession } from './store';

export const controlDecisionSchema = z
  .object({
    status: decisionStatusSchema,
    reasonCode: z.number().int().nullish(),
    reason: z.string().nullish(),
    person: decisionPersonSchema.optional(),
    document: decisionDocumentSchema.optional(),
    riskLabels: z.array(riskLabelSchema).optional(),
    withEvents: z.boolean().default(true),
    deliver: z.boolean().default(true),
    attemptId: z.string().min(1).optional(),
  })
  .refine((body) => body.status !== 'approved' || (body.reasonCode == null && body.reason == null), {
    message: 'reason and reasonCode must be null on approved',
    path: ['reasonCode'],
  });
export type ControlDecision = z.infer<typeof controlDecisionSchema>;

export const controlFaultsSchema = z.object({
  createSession: z
    .array(z.object({ httpStatus: z.number().int().min(400).max(599), code: z.number().int().default(1500), message: z.string().default('Injected fault.') }))
    .max(100),
});

export const faultProfileSchema = z.object({
  createSessionDelayMs: z.number().int().min(0).max(60_000).default(0),
  createSessionFailureRatio: z.number().min(0).max(1).default(0),
  webhookCopies: z.number().int().min(1).max(10).default(1),
  shuffleWebhooks: z.boolean().default(false),
  decisionLossRatio: z.number().min(0).max(1).default(0),
  retryDelaysMs: z.array(z.number().int().min(0).max(3_600_000)).min(1).max(50).nullable().default(null),
});

// Applicants to come, as their sessions will name them (the `verification` of a session request).
export const controlSpecimensSchema = z.object({
  applicants: z.array(z.object({ person: sessionPersonSchema.optional(), document: sessionDocumentSchema.optional() })).min(1).max(5_000),
});

export const controlEventSchema = z.object({
  action: eventActionSchema,
  attemptId: z.string().min(1).optional(),
});
export type ControlEvent = z.infer<typeof controlEventSchema>;

function controlView(ctx: ApiContext, session: SimSession): Record<string, unknown> {
  return {
    ...sessionSummary(ctx, session),
    createdTime: session.createdTime,
    request: session.request,
    attempts: [...session.attempts].reverse(),
    decision: session.decision,
    media: ctx.store.mediaOf(session.id).map(({ id, context, mimetype, content, timestamp }) => ({ id, context, mimetype, size: content.length, timestamp })),
  };
}

/** Mount at /control. */
export function controlRouter(ctx: ApiContext): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  router.post('/sessions/:id/decision', async (req, res) => {
    const session = ctx.store.getSession(req.params.id);
    if (!session) return fail(res, 404, SIM_CODES.notFound, 'Session not found.');
    const parsed = controlDecisionSchema.safeParse(req.body ?? {});
    if (!parsed.success) return fail(res, 400, VERIFF_ERROR_CODES.invalidParameters, z.prettifyError(parsed.error));
    const { reasonCode, reason, ...rest } = parsed.data;
    const outcome = await ctx.flows.decide(session, { ...rest, reasonCode: reasonCode ?? undefined, reason: reason ?? undefined });
    res.json({ status: 'success', ...outcome });
  });

  router.post('/sessions/:id/events', async (req, res) => {
    const session = ctx.store.getSession(req.params.id);
    if (!session) return fail(res, 404, SIM_CODES.notFound, 'Session not found.');
    const parsed = controlEventSchema.safeParse(req.body ?? {});
    if (!parsed.success) return fail(res, 400, VERIFF_ERROR_CODES.invalidParameters, z.prettifyError(parsed.error));
    const outcome = await ctx.flows.emitEvent(session, parsed.data.action, parsed.data.attemptId);
    res.json({ status: 'success', ...outcome });
  });

  // The next session creations answer these errors, in order (tests of our retry policy).
  router.post('/faults', (req, res) => {
    const parsed = controlFaultsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return fail(res, 400, VERIFF_ERROR_CODES.invalidParameters, z.prettifyError(parsed.error));
    ctx.store.createSessionFaults = [...parsed.data.createSession];
    res.json({ status: 'success', queued: ctx.store.createSessionFaults.length });
  });

  // Standing faults until replaced (an empty body clears them), and what they did so far.
  router.put('/fault-profile', (req, res) => {
    const parsed = faultProfileSchema.safeParse(req.body ?? {});
    if (!parsed.success) return fail(res, 400, VERIFF_ERROR_CODES.invalidParameters, z.prettifyError(parsed.error));
    ctx.store.faultProfile = parsed.data;
    res.json({ status: 'success', profile: ctx.store.faultProfile, counts: ctx.store.faultCounts });
  });

  router.get('/fault-profile', (_req, res) => {
    res.json({ status: 'success', profile: ctx.store.faultProfile, counts: ctx.store.faultCounts });
  });

  // Draws the document images of applicants to come (a benchmark's untimed setup); answers once
  // they are drawn, with how many were new and how many decided sessions' images so far were
  // prepared or drawn on demand.
  router.post('/specimens', async (req, res) => {
    const parsed = controlSpecimensSchema.safeParse(req.body ?? {});
    if (!parsed.success) return fail(res, 400, VERIFF_ERROR_CODES.invalidParameters, z.prettifyError(parsed.error));
    const drawn = await prepareSpecimens(ctx.store, parsed.data.applicants);
    res.json({ status: 'success', drawn, prepared: ctx.store.preparedSpecimens.size, counts: ctx.store.specimenCounts });
  });

  router.get('/specimens', (_req, res) => {
    res.json({ status: 'success', prepared: ctx.store.preparedSpecimens.size, counts: ctx.store.specimenCounts });
  });

  router.get('/sessions', (req, res) => {
    const { vendorData } = req.query;
    const sessions = [...ctx.store.sessions.values()].filter((s) => typeof vendorData !== 'string' || s.request.vendorData === vendorData);
    res.json({ status: 'success', sessions: sessions.map((session) => controlView(ctx, session)) });
  });

  router.get('/sessions/:id', (req, res) => {
    const session = ctx.store.getSession(req.params.id);
    if (!session) return fail(res, 404, SIM_CODES.notFound, 'Session not found.');
    res.json({ status: 'success', session: controlView(ctx, session) });
  });

  router.get('/deliveries', (req, res) => {
    const { sessionId } = req.query;
    const deliveries = typeof sessionId === 'string' ? ctx.store.deliveries.filter((d) => d.sessionId === sessionId) : ctx.store.deliveries;
    res.json({ status: 'success', deliveries });
  });

  router.use((_req, res) => fail(res, 404, SIM_CODES.notFound, 'Unknown control endpoint.'));
  return router;
}
