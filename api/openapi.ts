import { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { allow, type Role, type TokenService } from './auth';
import { multipartBody, type MultipartSpec } from './multipart';
import { Problem, PROBLEM_MESSAGE_LOCAL, PROBLEMS, problemSchema, ROUTE_PATTERN_LOCAL, type ProblemCode } from './problem';
import { body, params, zodFieldErrors } from './validate';

// One declaration per endpoint: it mounts the route (with its role guard and the validation of
// params, query, headers and body) and describes it in the OpenAPI 3.1 document, so the document
// cannot drift from what the server enforces. Schemas are zod's, converted by z.toJSONSchema.

/** Who may call: roles (checked by allow()), or public with the reason it needs no token. */
export type Access = readonly Role[] | { public: string };

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Media types of a binary body (an image) the handler writes itself. */
  binary?: readonly string[];
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

export interface EndpointSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path relative to the router's mount point, e.g. /records/:id/status/. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the endpoint reads (documented and validated; names in lower case). */
  headers?: z.ZodObject;
  /**
   * `validate: false` when the handler validates itself: a signature over the raw bytes, or
   * domain rules that need the clock and report their own field errors.
   */
  body?: { schema: z.ZodType; validate?: boolean; example?: unknown };
  /** A multipart/form-data body instead of JSON: its text fields (validated into req.body) and one file (req.file). */
  multipart?: MultipartSpec & { fields: z.ZodObject };
  responses: Record<number, ResponseSpec>;
  /** Problems beyond the ones the declaration implies (401/403 from roles, 404 from params, 4xx from a body). */
  problems?: readonly ProblemCode[];
  /** Runs after the role guard, before validation (e.g. a raw body parser). */
  before?: readonly RequestHandler[];
  /** Problems also carry `message` (the detail): for a contract whose clients read errors there. */
  problemMessage?: boolean;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : Record<string, never>;
type BodyOf<S extends EndpointSpec> = S['multipart'] extends { fields: infer F } ? Parsed<F> : S['body'] extends { validate: false } ? unknown : S['body'] extends { schema: infer B } ? Parsed<B> : undefined;

export type EndpointRequest<S extends EndpointSpec> = Request<Parsed<S['params']>, unknown, BodyOf<S>, Parsed<S['query']>>;

/** What a handler answers: one of the declared statuses with a body of its declared schema. */
export type Reply<S extends EndpointSpec> = {
  [K in keyof S['responses'] & number]: S['responses'][K] extends { schema: infer B extends z.ZodType } ? { status: K; body: z.input<B> } : { status: K };
}[keyof S['responses'] & number];

/** A handler returns its reply, or nothing when it has written the response itself. */
export type EndpointHandler<S extends EndpointSpec> = (req: EndpointRequest<S>, res: Response) => Promise<Reply<S> | void>;

interface Operation {
  fullPath: string;
  spec: EndpointSpec;
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

function validation(spec: EndpointSpec): RequestHandler[] {
  const steps: RequestHandler[] = [];
  if (spec.params) steps.push(params(spec.params));
  for (const [part, schema] of [['query', spec.query], ['headers', spec.headers]] as const) {
    if (!schema) continue;
    steps.push((req, _res, next) => {
      const parsed = schema.safeParse(part === 'query' ? req.query : req.headers);
      if (!parsed.success) {
        const errors = zodFieldErrors(parsed.error).map((e) => ({ ...e, field: `${part}.${e.field}` }));
        return next(new Problem('validation_failed', `See errors for each ${part === 'query' ? 'query parameter' : 'header'}`, errors));
      }
      // Express 5 reads req.query through a getter: the parsed value replaces it on the request.
      if (part === 'query') Object.defineProperty(req, 'query', { value: parsed.data, writable: true, configurable: true, enumerable: true });
      next();
    });
  }
  if (spec.multipart) {
    steps.push(...multipartBody(spec.multipart), body(spec.multipart.fields));
  }
  if (spec.body && spec.body.validate !== false) {
    // express.json leaves req.body undefined for other media types; an empty body is validated as {}.
    steps.push((req, _res, next) => next(req.body === undefined && hasBody(req) ? new Problem('unsupported_media_type', 'Send the body as application/json') : undefined));
    steps.push(body(spec.body.schema));
  }
  return steps;
}

export class ApiRouter {
  readonly express = Router();

  constructor(
    private readonly registry: ApiRegistry,
    private readonly mountPath: string,
    private readonly tokens: TokenService,
  ) {}

  // NoInfer: the spec alone fixes S, so the handler's literal statuses are checked against it, not widened.
  route<const S extends EndpointSpec>(spec: S, handler: NoInfer<EndpointHandler<S>>): void {
    const fullPath = `${this.mountPath}${spec.path}`;
    this.registry.add({ fullPath, spec });
    const mark: RequestHandler = (_req, res, next) => {
      res.locals[ROUTE_PATTERN_LOCAL] = fullPath;
      if (spec.problemMessage) res.locals[PROBLEM_MESSAGE_LOCAL] = true;
      // Answers carry personal data: no shared cache may keep them.
      res.setHeader('Cache-Control', 'no-store');
      next();
    };
    const guard: RequestHandler[] = 'public' in spec.access ? [] : [allow(this.tokens, ...(spec.access as readonly Role[]))];
    const run = async (req: Request, res: Response, _next: NextFunction) => {
      const reply = await handler(req as unknown as EndpointRequest<S>, res);
      if (!reply || res.headersSent) return;
      res.status(reply.status);
      if ('body' in reply) res.json(reply.body);
      else res.end();
    };
    this.express[spec.method](spec.path, mark, ...guard, ...(spec.before ?? []), ...validation(spec), run);
  }
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI document

type JsonSchema = Record<string, unknown>;

// Two adjustments so other tools read the document as the server behaves:
// - patterns written for JavaScript's `u` flag (\p{L} and friends) mean nothing to most other
//   regex engines (Python's, Java's); the server checks them, the document leaves them out;
// - zod's e-mail check is exactly its pattern, while `format: email` means RFC 5322 elsewhere,
//   a different set: the pattern stays, the format goes.
function portable(schema: JsonSchema): JsonSchema {
  return JSON.parse(
    JSON.stringify(schema, function (this: JsonSchema, key, value: unknown) {
      if (key === 'pattern' && typeof value === 'string' && /\\p\{|\\u\{/.test(value)) return undefined;
      if (key === 'format' && value === 'email' && typeof this.pattern === 'string') return undefined;
      return value;
    }),
  ) as JsonSchema;
}

// A preprocess in front of a schema (domain/kyc-application.ts optionalText) takes null and blank
// for "not given"; z.toJSONSchema describes only the schema behind it, so null is added.
function acceptsNullWhenPreprocessed(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'pipe' || def.in._zod.def.type !== 'transform') return;
  const described = { ...ctx.jsonSchema };
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  ctx.jsonSchema.anyOf = [described, { type: 'null' }];
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    reused: 'inline',
    ...(io === 'input' ? { override: acceptsNullWhenPreprocessed } : {}),
  }) as JsonSchema;
  return portable(rest);
}

function parametersOf(schema: z.ZodObject, where: 'path' | 'query' | 'header'): JsonSchema[] {
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function impliedProblems(spec: EndpointSpec): ProblemCode[] {
  const codes: ProblemCode[] = [];
  if (!('public' in spec.access)) codes.push('unauthorized', 'invalid_token', 'forbidden');
  if (spec.params) codes.push('not_found');
  if (spec.query || spec.headers) codes.push('validation_failed');
  if (spec.body) codes.push('malformed_json', 'payload_too_large', 'unsupported_media_type', 'validation_failed');
  if (spec.multipart) codes.push('bad_request', 'payload_too_large', 'unsupported_media_type', 'validation_failed');
  return codes;
}

function multipartRequestBody(multipart: NonNullable<EndpointSpec['multipart']>): JsonSchema {
  const fields = jsonSchema(multipart.fields, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const { name, description, required } = multipart.file;
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: { ...fields.properties, [name]: { type: 'string', format: 'binary', description: `${description} (at most ${multipart.maxFileBytes} bytes)` } },
          required: [...(fields.required ?? []), ...(required ? [name] : [])],
        },
        encoding: { [name]: { contentType: 'image/jpeg, image/png' } },
      },
    },
  };
}

export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

export class ApiRegistry {
  private readonly operations: Operation[] = [];

  constructor(private readonly tokens: TokenService) {}

  router(mountPath: string): ApiRouter {
    return new ApiRouter(this, mountPath, this.tokens);
  }

  add(operation: Operation): void {
    this.operations.push(operation);
  }

  /** 405 with Allow for a declared path called with a method it does not declare (404 stays for unknown paths). */
  methodNotAllowed(): RequestHandler {
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const patterns = new Map<string, { regex: RegExp; methods: Set<string> }>();
    for (const { fullPath, spec } of this.operations) {
      const key = fullPath.replace(/\/$/, '');
      const entry = patterns.get(key) ?? { regex: new RegExp(`^${escape(key).replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`, 'i'), methods: new Set<string>() };
      entry.methods.add(spec.method.toUpperCase());
      if (spec.method === 'get') entry.methods.add('HEAD');
      patterns.set(key, entry);
    }
    return (req, res, next) => {
      const match = [...patterns.values()].find(({ regex }) => regex.test(req.path));
      if (!match || match.methods.has(req.method)) return next();
      res.setHeader('Allow', [...match.methods].join(', '));
      next(new Problem('method_not_allowed', `Allowed: ${[...match.methods].join(', ')}`));
    };
  }

  /** Method, path (OpenAPI form) and access of every endpoint: what the authorisation matrix test walks. */
  endpoints(): { method: string; path: string; access: Access }[] {
    return this.operations.map(({ fullPath, spec }) => ({ method: spec.method, path: openApiPath(fullPath), access: spec.access }));
  }

  /** The OpenAPI 3.1 document; tags are listed in tagOrder (readers meet accounts before webhooks). */
  document(info: OpenApiInfo, tagOrder: readonly string[] = []): JsonSchema {
    const problemJson = jsonSchema(problemSchema, 'output');
    const problemContent = { 'application/problem+json': { schema: problemJson } };
    const paths: Record<string, Record<string, JsonSchema>> = {};
    for (const { fullPath, spec } of this.operations) {
      const responses: Record<string, JsonSchema> = {};
      for (const [status, response] of Object.entries(spec.responses)) {
        responses[status] = {
          description: response.description,
          ...(response.headers
            ? { headers: Object.fromEntries(Object.entries(response.headers).map(([name, h]) => [name, { description: h.description, schema: jsonSchema(h.schema, 'output') }])) }
            : {}),
          ...(response.schema ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } } : {}),
          ...(response.binary ? { content: Object.fromEntries(response.binary.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])) } : {}),
        };
      }
      const byStatus = new Map<number, string[]>();
      for (const code of new Set([...impliedProblems(spec), ...(spec.problems ?? [])])) {
        const { status, title } = PROBLEMS[code];
        byStatus.set(status, [...(byStatus.get(status) ?? []), title]);
      }
      for (const [status, titles] of byStatus) {
        responses[String(status)] ??= {
          description: titles.join('; '),
          ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer' } } } } : {}),
          content: problemContent,
        };
      }
      responses.default = { description: 'Any other error, as RFC 7807 problem details', content: problemContent };

      const isPublic = 'public' in spec.access;
      const who = isPublic ? `Public: ${(spec.access as { public: string }).public}` : `Roles: ${(spec.access as readonly Role[]).join(', ')}.`;
      paths[openApiPath(fullPath)] ??= {};
      paths[openApiPath(fullPath)]![spec.method] = {
        operationId: spec.operationId,
        summary: spec.summary,
        description: [spec.description, who].filter(Boolean).join('\n\n'),
        tags: [...spec.tags],
        ...(isPublic ? { security: [] } : { security: [{ bearerAuth: [] }], 'x-roles': [...(spec.access as readonly Role[])] }),
        parameters: [
          ...(spec.params ? parametersOf(spec.params, 'path') : []),
          ...(spec.query ? parametersOf(spec.query, 'query') : []),
          ...(spec.headers ? parametersOf(spec.headers, 'header') : []),
        ],
        ...(spec.multipart ? { requestBody: multipartRequestBody(spec.multipart) } : {}),
        ...(spec.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: jsonSchema(spec.body.schema, 'input'), ...(spec.body.example !== undefined ? { example: spec.body.example } : {}) } },
              },
            }
          : {}),
        responses,
      };
    }
    const used = [...new Set(this.operations.flatMap(({ spec }) => spec.tags))];
    const tags = [...tagOrder.filter((tag) => used.includes(tag)), ...used.filter((tag) => !tagOrder.includes(tag))].map((name) => ({ name }));
    return {
      openapi: '3.1.0',
      info,
      tags,
      paths,
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    };
  }
}
