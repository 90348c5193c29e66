// What happens to a session after creation: attempts move through started/submitted, then get a decision,
// and each step is announced by a webhook. Shared by the control API, the hosted page and auto-decisions.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DECISION_CODES,
  EVENT_CODES,
  REASON_CODES,
  RESUBMISSION_LIMIT_REASON_CODE,
  type DecisionDocument,
  type DecisionPerson,
  type DecisionStatus,
  type DecisionWebhook,
  type EventAction,
  type EventWebhook,
  type RiskLabel,
} from '../vendors/veriff/contract';
import { isAbort, type WebhookDeliverer } from './deliveries';
import { inShare, latestAttempt, type DeliveryRecord, type SessionStatus, type SimAttempt, type SimSession, type SimulatorStore } from './store';

export interface DecisionInput {
  status: DecisionStatus;
  reasonCode?: number | null;
  reason?: string | null;
  /** Merged over the person given at session creation. */
  person?: DecisionPerson;
  /** Merged over the document given at session creation. */
  document?: DecisionDocument;
  riskLabels?: RiskLabel[];
  /** Send the started/submitted events the attempt has not had yet before the decision. */
  withEvents: boolean;
  /** false records the decision (GET /decision answers it) but loses its webhook, as a network would. */
  deliver?: boolean;
  attemptId?: string;
  ip?: string;
}

export interface DecisionOutcome {
  decision: DecisionWebhook;
  /** First delivery attempt of each webhook, in sending order; empty without a webhook URL. */
  deliveries: DeliveryRecord[];
}

export interface EventOutcome {
  event: EventWebhook;
  delivery: DeliveryRecord | null;
}

// Veriff's test integrations decide by first name.
const MAGIC_FIRST_NAMES: Readonly<Record<string, DecisionStatus>> = {
  approve: 'approved',
  decline: 'declined',
  resubmit: 'resubmission_requested',
};

export function magicOutcome(firstName: string | undefined): DecisionStatus | undefined {
  return firstName === undefined ? undefined : MAGIC_FIRST_NAMES[firstName.trim().toLowerCase()];
}

const DEFAULT_REASON_CODES: Partial<Record<DecisionStatus, number>> = { declined: 102, resubmission_requested: 204 };
const MAX_RESUBMISSIONS = 9;
const PROGRESS: readonly SessionStatus[] = ['created', 'started', 'submitted'];

function isBefore(current: SessionStatus, target: EventAction): boolean {
  const index = PROGRESS.indexOf(current);
  return index !== -1 && index < PROGRESS.indexOf(target);
}

/** Fisher-Yates: every order equally likely. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface FlowOptions {
  store: SimulatorStore;
  deliverer: WebhookDeliverer;
  eventDelayMs: number;
  autoDecideDelayMs: number | null;
  signal: AbortSignal;
  track: (task: Promise<unknown>) => void;
}

export class SessionFlows {
  constructor(private readonly options: FlowOptions) {}

  /** Starts the magic-name auto decision, if enabled and the first name asks for one. */
  scheduleAutoDecision(session: SimSession): void {
    const status = magicOutcome(session.request.person?.firstName);
    const delay = this.options.autoDecideDelayMs;
    if (status === undefined || delay === null) return;
    this.runInBackground(async () => {
      await sleep(delay, undefined, { signal: this.options.signal });
      // Deleted in the meantime: nothing left to decide.
      if (this.options.store.getSession(session.id) !== session) return;
      await this.decide(session, { status, withEvents: true });
    });
  }

  /** Records the PATCH-submitted state and announces it without holding up the API answer. */
  submitInBackground(session: SimSession): void {
    const attempt = latestAttempt(session);
    attempt.status = 'submitted';
    this.runInBackground(async () => {
      await this.announce(session, attempt, 'submitted');
    });
  }

  async emitEvent(session: SimSession, action: EventAction, attemptId?: string): Promise<EventOutcome> {
    const attempt = this.resolveAttempt(session, attemptId);
    // Never moves an attempt backwards, so re-sent or out-of-order events cannot corrupt state.
    if (isBefore(attempt.status, action)) attempt.status = action;
    return this.announce(session, attempt, action);
  }

  async decide(session: SimSession, input: DecisionInput): Promise<DecisionOutcome> {
    const attempt = this.resolveAttempt(session, input.attemptId);
    const { faultProfile: profile, faultCounts: counts } = this.options.store;
    counts.decisions += 1;
    const lost = input.deliver === false || inShare(counts.decisions, profile.decisionLossRatio);
    if (lost && input.deliver !== false) counts.decisionWebhooksLost += 1;
    if (profile.webhookCopies > 1 || profile.shuffleWebhooks) return this.decideUnderFaults(session, attempt, input, lost);
    const deliveries: DeliveryRecord[] = [];
    if (input.withEvents) {
      for (const action of ['started', 'submitted'] as const) {
        if (!isBefore(attempt.status, action)) continue;
        attempt.status = action;
        const { delivery } = await this.announce(session, attempt, action);
        if (delivery !== null) deliveries.push(delivery);
        await this.pause();
      }
    }
    const decision = this.buildDecision(session, attempt, input);
    attempt.status = decision.verification.status;
    session.decision = decision;
    const delivery = lost ? null : await this.options.deliverer.deliver('decision', session.id, decision);
    if (delivery !== null) deliveries.push(delivery);
    return { decision, deliveries };
  }

  /** The same decision as a vendor on a bad day announces it: each webhook several times, in random order. */
  private async decideUnderFaults(session: SimSession, attempt: SimAttempt, input: DecisionInput, lost: boolean): Promise<DecisionOutcome> {
    const webhooks: { kind: DeliveryRecord['kind']; body: unknown }[] = [];
    if (input.withEvents) {
      for (const action of ['started', 'submitted'] as const) {
        if (!isBefore(attempt.status, action)) continue;
        attempt.status = action;
        webhooks.push({ kind: 'event', body: this.eventBody(session, attempt, action) });
      }
    }
    const decision = this.buildDecision(session, attempt, input);
    attempt.status = decision.verification.status;
    session.decision = decision;
    if (!lost) webhooks.push({ kind: 'decision', body: decision });
    const copies = webhooks.flatMap((webhook) => Array.from({ length: this.options.store.faultProfile.webhookCopies }, () => webhook));
    const order = this.options.store.faultProfile.shuffleWebhooks ? shuffled(copies) : copies;
    const deliveries: DeliveryRecord[] = [];
    for (const webhook of order) {
      const delivery = await this.options.deliverer.deliver(webhook.kind, session.id, webhook.body);
      if (delivery !== null) deliveries.push(delivery);
    }
    return { decision, deliveries };
  }

  private eventBody(session: SimSession, attempt: SimAttempt, action: EventAction): EventWebhook {
    return {
      id: session.id,
      attemptId: attempt.id,
      feature: 'selfid',
      code: EVENT_CODES[action],
      action,
      vendorData: session.request.vendorData ?? null,
      endUserId: session.request.endUserId ?? null,
    };
  }

  private async announce(session: SimSession, attempt: SimAttempt, action: EventAction): Promise<EventOutcome> {
    const event = this.eventBody(session, attempt, action);
    const delivery = await this.options.deliverer.deliver('event', session.id, event);
    return { event, delivery };
  }

  /**
   * An explicit id selects (or, for simulating other attempts, creates) that attempt. Otherwise the newest
   * one, unless it asked for resubmission: then the applicant is on a fresh attempt.
   */
  private resolveAttempt(session: SimSession, attemptId: string | undefined): SimAttempt {
    if (attemptId !== undefined) {
      const existing = session.attempts.find((attempt) => attempt.id === attemptId);
      if (existing !== undefined) return existing;
      return this.newAttempt(session, attemptId);
    }
    const latest = latestAttempt(session);
    return latest.status === 'resubmission_requested' ? this.newAttempt(session, crypto.randomUUID()) : latest;
  }

  private newAttempt(session: SimSession, id: string): SimAttempt {
    const attempt: SimAttempt = { id, status: 'created', createdTime: new Date().toISOString() };
    session.attempts.push(attempt);
    return attempt;
  }

  private buildDecision(session: SimSession, attempt: SimAttempt, input: DecisionInput): DecisionWebhook {
    let status = input.status;
    let reasonCode = status === 'approved' ? null : (input.reasonCode ?? DEFAULT_REASON_CODES[status] ?? null);
    let reason = status === 'approved' ? null : (input.reason ?? null);
    const earlierResubmissions = session.attempts.filter((a) => a !== attempt && a.status === 'resubmission_requested').length;
    if (status === 'resubmission_requested' && earlierResubmissions >= MAX_RESUBMISSIONS) {
      // Veriff declines the 10th attempt instead of asking again.
      status = 'declined';
      reasonCode = RESUBMISSION_LIMIT_REASON_CODE;
      reason = null;
    }
    if (reason === null && reasonCode !== null) reason = REASON_CODES[reasonCode]?.meaning ?? null;

    const { person, document } = session.request;
    return {
      status: 'success',
      verification: {
        id: session.id,
        attemptId: attempt.id,
        vendorData: session.request.vendorData ?? null,
        endUserId: session.request.endUserId ?? null,
        status,
        code: DECISION_CODES[status],
        reason,
        reasonCode,
        decisionTime: new Date().toISOString(),
        acceptanceTime: attempt.createdTime,
        person: {
          firstName: person?.firstName ?? null,
          lastName: person?.lastName ?? null,
          idNumber: person?.idNumber ?? null,
          dateOfBirth: person?.dateOfBirth ?? null,
          nationality: document?.country ?? null,
          gender: null,
          ...input.person,
        },
        document: {
          type: document?.type ?? null,
          number: document?.number ?? null,
          country: document?.country ?? null,
          validFrom: null,
          validUntil: null,
          ...input.document,
        },
        riskLabels: input.riskLabels ?? [],
        additionalVerifiedData: {},
        comments: [],
      },
      technicalData: { ip: input.ip ?? '127.0.0.1' },
    };
  }

  private async pause(): Promise<void> {
    if (this.options.eventDelayMs > 0) await sleep(this.options.eventDelayMs, undefined, { signal: this.options.signal });
  }

  private runInBackground(task: () => Promise<void>): void {
    this.options.track(
      task().catch((error: unknown) => {
        if (isAbort(error)) return;
        console.error('veriff simulator: background flow failed', error);
      }),
    );
  }
}
