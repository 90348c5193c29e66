// Thin, typed client for the Veriff Station API. It classifies every failure as retryable or not so the
// calling activity can decide between letting Temporal retry and failing the case for good.
import { z } from 'zod';
import {
  attemptsResponseSchema,
  createSessionRequestSchema,
  createSessionResponseSchema,
  decisionResponseSchema,
  mediaListResponseSchema,
  personResponseSchema,
  sessionUpdateResponseSchema,
  SUBMIT_SESSION_BODY,
  veriffErrorBodySchema,
  type Attempt,
  type CreatedSession,
  type CreateSessionRequest,
  type DecisionVerification,
  type MediaItem,
  type SessionUpdateResponse,
  type VeriffPerson,
} from './contract';
import { signPayload } from './signature';

export interface VeriffClientOptions {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Per request, including reading the response body. Default 10 000 ms. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface VeriffApiErrorDetails {
  httpStatus?: number;
  code?: number;
  retryable: boolean;
  veriffMessage?: string;
  cause?: unknown;
}

export class VeriffApiError extends Error {
  override readonly name = 'VeriffApiError';
  /** undefined when no HTTP response arrived (network error, timeout). */
  readonly httpStatus: number | undefined;
  /** Veriff's numeric error code when the error body carried one (e.g. 1104). */
  readonly code: number | undefined;
  readonly retryable: boolean;
  /** Veriff's own error text, kept out of `message` in case it ever echoes submitted data. */
  readonly veriffMessage: string | undefined;

  constructor(message: string, details: VeriffApiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.httpStatus = details.httpStatus;
    this.code = details.code;
    this.retryable = details.retryable;
    this.veriffMessage = details.veriffMessage;
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface RequestSpec<S extends z.ZodType> {
  method: Method;
  path: string;
  /** Serialised once: these exact bytes are both signed and sent. */
  body?: string;
  /** What the signature covers: the body for POST/PATCH, the path id for GET/DELETE. */
  signedMessage: string;
  schema: S;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function describeIssues(error: z.ZodError): string {
  // Paths and issue codes only: zod messages are generic, but values from the body must never leak.
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.code}`).join(', ');
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class VeriffClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly apiSecret: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: VeriffClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.apiSecret = options.apiSecret;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  async createSession(request: CreateSessionRequest): Promise<CreatedSession> {
    const parsed = createSessionRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw new VeriffApiError(`Veriff POST /v1/sessions not sent: invalid request (${describeIssues(parsed.error)})`, {
        retryable: false,
      });
    }
    const body = JSON.stringify(parsed.data);
    return this.request({ method: 'POST', path: '/v1/sessions', body, signedMessage: body, schema: createSessionResponseSchema });
  }

  /** The decision, or null while Veriff has not decided yet. */
  async getDecision(sessionId: string): Promise<DecisionVerification | null> {
    const response = await this.request({
      method: 'GET',
      path: `${this.sessionPath(sessionId)}/decision`,
      signedMessage: sessionId,
      schema: decisionResponseSchema,
    });
    return response.verification;
  }

  async submitSession(sessionId: string): Promise<SessionUpdateResponse['verification']> {
    const body = JSON.stringify(SUBMIT_SESSION_BODY);
    const response = await this.request({
      method: 'PATCH',
      path: this.sessionPath(sessionId),
      body,
      signedMessage: body,
      schema: sessionUpdateResponseSchema,
    });
    return response.verification;
  }

  /** Attempts newest first, as Veriff returns them. */
  async listAttempts(sessionId: string): Promise<Attempt[]> {
    const response = await this.request({
      method: 'GET',
      path: `${this.sessionPath(sessionId)}/attempts`,
      signedMessage: sessionId,
      schema: attemptsResponseSchema,
    });
    return response.verifications;
  }

  async getPerson(sessionId: string): Promise<VeriffPerson> {
    const response = await this.request({
      method: 'GET',
      path: `${this.sessionPath(sessionId)}/person`,
      signedMessage: sessionId,
      schema: personResponseSchema,
    });
    return response.person;
  }

  /** The images of a session (best first, as Veriff lists them); videos are not kept. */
  async listMedia(sessionId: string): Promise<MediaItem[]> {
    const response = await this.request({
      method: 'GET',
      path: `${this.sessionPath(sessionId)}/media`,
      signedMessage: sessionId,
      schema: mediaListResponseSchema,
    });
    return response.images;
  }

  /** One media item's bytes, with the type Veriff declares (the caller checks what the bytes really are). */
  async downloadMedia(mediaId: string, maxBytes: number): Promise<{ bytes: Buffer; contentType: string | null }> {
    if (mediaId.length === 0) throw new VeriffApiError('Veriff media id must not be empty', { retryable: false });
    const path = `/v1/media/${encodeURIComponent(mediaId)}`;
    const label = `Veriff GET /v1/media/{id}`;
    let response: Response;
    let bytes: Buffer;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method: 'GET',
        headers: { 'X-AUTH-CLIENT': this.apiKey, 'X-HMAC-SIGNATURE': signPayload(mediaId, this.apiSecret) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw this.transportError(label, error);
    }
    if (response.status < 200 || response.status >= 300) throw this.httpError(label, response.status, tryParseJson(bytes.toString('utf8')));
    if (bytes.length > maxBytes) throw new VeriffApiError(`${label} returned ${bytes.length} bytes, more than the ${maxBytes} we keep`, { httpStatus: response.status, retryable: false });
    return { bytes, contentType: response.headers.get('content-type') };
  }

  /** Veriff rate-limits deletion (5/hour, 10/day): a 429 here is retryable but slow to clear. */
  async deleteSession(sessionId: string): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: this.sessionPath(sessionId),
      signedMessage: sessionId,
      // Answers vary (some integrations return an empty body): success is the status code alone.
      schema: z.unknown(),
    });
  }

  private sessionPath(sessionId: string): string {
    if (sessionId.length === 0) {
      throw new VeriffApiError('Veriff session id must not be empty', { retryable: false });
    }
    return `/v1/sessions/${encodeURIComponent(sessionId)}`;
  }

  private async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const label = `Veriff ${spec.method} ${spec.path}`;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-AUTH-CLIENT': this.apiKey,
      'X-HMAC-SIGNATURE': signPayload(spec.signedMessage, this.apiSecret),
    };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';

    let status: number;
    let text: string;
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${spec.path}`, {
        method: spec.method,
        headers,
        body: spec.body,
        // Covers connect, headers and body: a stalled body read must not hang the activity either.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw this.transportError(label, error);
    }

    const json = tryParseJson(text);
    if (status < 200 || status >= 300) throw this.httpError(label, status, json);

    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      // Retrying will not change the shape; a human has to look at the contract.
      throw new VeriffApiError(`${label} returned HTTP ${status} with an unexpected response shape (${describeIssues(parsed.error)})`, {
        httpStatus: status,
        retryable: false,
      });
    }
    return parsed.data;
  }

  private transportError(label: string, error: unknown): VeriffApiError {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new VeriffApiError(`${label} timed out after ${this.timeoutMs} ms`, { retryable: true, cause: error });
    }
    const detail = error instanceof Error ? error.message : String(error);
    return new VeriffApiError(`${label} failed before a response arrived: ${detail}`, { retryable: true, cause: error });
  }

  private httpError(label: string, status: number, json: unknown): VeriffApiError {
    const body = veriffErrorBodySchema.safeParse(json);
    const code = body.success ? body.data.code : undefined;
    return new VeriffApiError(`${label} failed with HTTP ${status}${code === undefined ? '' : ` (Veriff code ${code})`}`, {
      httpStatus: status,
      code,
      retryable: isRetryableStatus(status),
      veriffMessage: body.success ? body.data.message : undefined,
    });
  }
}
