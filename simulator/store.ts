// In-memory state of the simulator. Deliberately not persisted: a restart is a clean slate, like a fresh test integration.
import crypto from 'node:crypto';
import { type CreateSessionVerification, type DecisionStatus, type DecisionWebhook, type EventAction } from '../vendors/veriff/contract';

export type SessionStatus = 'created' | EventAction | DecisionStatus;

export interface SimAttempt {
  id: string;
  status: SessionStatus;
  createdTime: string;
}

export interface SimSession {
  id: string;
  /** The session JWT; also the last path segment of the hosted-flow URL. */
  token: string;
  createdTime: string;
  /** Exactly what the integrator sent, reused as the default person/document of decisions. */
  request: CreateSessionVerification;
  /** Oldest first; the API reverses them. */
  attempts: SimAttempt[];
  /** The last decision webhook body, which GET /decision also serves. */
  decision: DecisionWebhook | null;
}

export interface SimMedia {
  id: string;
  sessionId: string;
  context: string;
  mimetype: string;
  content: Buffer;
  timestamp: string;
}

export interface DeliveryRecord {
  /** Shared by every attempt at delivering the same webhook. */
  deliveryId: string;
  attempt: number;
  kind: 'decision' | 'event';
  sessionId: string;
  url: string;
  body: unknown;
  rawBody: string;
  signature: string;
  /** null when no HTTP answer arrived. */
  httpStatus: number | null;
  error: string | null;
  /** When the attempt was sent. */
  sentAt: string;
  /** When its answer (or failure) came. */
  at: string;
}

export function latestAttempt(session: SimSession): SimAttempt {
  const attempt = session.attempts.at(-1);
  // Sessions are created with their first attempt, so this only fires on a programming error.
  if (attempt === undefined) throw new Error(`session ${session.id} has no attempts`);
  return attempt;
}

/** A session's status is its newest attempt's status. */
export function sessionStatus(session: SimSession): SessionStatus {
  return latestAttempt(session).status;
}

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** JWT-shaped like Veriff's session tokens; signed so tokens cannot be forged into other sessions' URLs. */
export function makeSessionToken(sessionId: string, secret: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ session_id: sessionId, iat: Math.floor(Date.now() / 1000) }));
  const signature = base64url(crypto.createHmac('sha256', secret).update(`${header}.${payload}`).digest());
  return `${header}.${payload}.${signature}`;
}

/** An error the next session creation answers with, queued by a test through /control/faults. */
export interface InjectedFault {
  httpStatus: number;
  code: number;
  message: string;
}

/**
 * Standing faults, set through /control/fault-profile: the conditions of a bad day at the vendor
 * (slow and failing session creations, webhooks duplicated, reordered and lost), for chaos runs.
 */
export interface FaultProfile {
  /** Every session creation answers after this long (failed ones too). */
  createSessionDelayMs: number;
  /** This share of session creations answers 503, spread evenly (0.3: 3 in every 10). */
  createSessionFailureRatio: number;
  /** Each webhook of a decision's flow is sent this many times (separate deliveries of the same bytes). */
  webhookCopies: number;
  /** The webhooks of a decision's flow (events, decision, their copies) go out in random order. */
  shuffleWebhooks: boolean;
  /** This share of decision webhooks is never sent, spread evenly (GET /decision still answers them). */
  decisionLossRatio: number;
  /** Waits before each retry of a failed delivery; null: the simulator's own schedule. */
  retryDelaysMs: number[] | null;
}

export const NO_FAULTS: FaultProfile = { createSessionDelayMs: 0, createSessionFailureRatio: 0, webhookCopies: 1, shuffleWebhooks: false, decisionLossRatio: 0, retryDelaysMs: null };

/** What the fault profile did, for the chaos report. */
export interface FaultCounts {
  sessionCreations: number;
  sessionCreationsFailed: number;
  decisions: number;
  decisionWebhooksLost: number;
  /** Webhooks given up after every retry failed: lost by the receiver, not by the profile. */
  webhooksUndelivered: number;
}

/** Whether the n-th of a series falls in an evenly spread share (n counts from 1). */
export function inShare(n: number, ratio: number): boolean {
  return Math.floor(n * ratio) > Math.floor((n - 1) * ratio);
}

export class SimulatorStore {
  readonly sessions = new Map<string, SimSession>();
  createSessionFaults: InjectedFault[] = [];
  faultProfile: FaultProfile = NO_FAULTS;
  readonly faultCounts: FaultCounts = { sessionCreations: 0, sessionCreationsFailed: 0, decisions: 0, decisionWebhooksLost: 0, webhooksUndelivered: 0 };
  readonly media = new Map<string, SimMedia>();
  // Document images drawn ahead of their sessions (simulator/media.ts), by what is printed on them.
  readonly preparedSpecimens = new Map<string, Buffer>();
  // Decided sessions' images: drawn when first asked for, or taken from the prepared ones.
  readonly specimenCounts = { drawn: 0, prepared: 0 };
  readonly deliveries: DeliveryRecord[] = [];
  private readonly sessionIdByToken = new Map<string, string>();

  addSession(session: SimSession): void {
    this.sessions.set(session.id, session);
    this.sessionIdByToken.set(session.token, session.id);
  }

  getSession(id: string): SimSession | undefined {
    return this.sessions.get(id);
  }

  getSessionByToken(token: string): SimSession | undefined {
    const id = this.sessionIdByToken.get(token);
    return id === undefined ? undefined : this.sessions.get(id);
  }

  deleteSession(id: string): boolean {
    const session = this.sessions.get(id);
    if (session === undefined) return false;
    this.sessions.delete(id);
    this.sessionIdByToken.delete(session.token);
    for (const [mediaId, item] of this.media) if (item.sessionId === id) this.media.delete(mediaId);
    return true;
  }

  addMedia(item: SimMedia): void {
    this.media.set(item.id, item);
  }

  mediaOf(sessionId: string): SimMedia[] {
    return [...this.media.values()].filter((item) => item.sessionId === sessionId);
  }

  recordDelivery(record: DeliveryRecord): void {
    this.deliveries.push(record);
  }
}
