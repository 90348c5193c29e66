import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Client } from '@temporalio/client';
import { z } from 'zod';
import { type Db, pingDatabase } from '../../infra/db';
import { type Logger } from '../../infra/logger';
import { type ApiRouter } from '../openapi';
import { Problem } from '../problem';

// The document-check engine's health check, plus a readiness check for load balancers and orchestrators: live
// means the process answers; ready means it can serve, i.e. reach the database. Temporal's state is
// reported, not required: an outage of it is every API process's at once, and a balancer that took
// them all out would refuse what they still serve (Veriff's webhooks, kept and delivered once
// Temporal is back; every read). What needs Temporal answers 503 itself meanwhile.

export const SERVICE_VERSION = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'))).version;
const CHECK_TIMEOUT_MS = 2_000;

export const healthResponseSchema = z.object({ status: z.literal('operational'), version: z.string() });
const checkResultSchema = z.enum(['ok', 'failed']);
export const readinessResponseSchema = z.object({
  status: z.literal('ready'),
  checks: z.object({ database: checkResultSchema, temporal: checkResultSchema }),
});

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const TAGS = ['Service health'];
const PROBE = 'probes from load balancers and orchestrators carry no credentials, and the answer reveals nothing but up or down';

export function healthRoutes(api: ApiRouter, deps: { db: Db; temporal: Client; logger: Logger }): void {
  const { db, temporal, logger } = deps;

  api.route(
    {
      method: 'get',
      path: '/health',
      operationId: 'health',
      summary: 'Liveness: the process is up',
      tags: TAGS,
      access: { public: PROBE },
      responses: { 200: { description: 'Up', schema: healthResponseSchema } },
    },
    async () => ({ status: 200, body: { status: 'operational' as const, version: SERVICE_VERSION } }),
  );

  api.route(
    {
      method: 'get',
      path: '/ready',
      operationId: 'ready',
      summary: 'Readiness: the database answers (SELECT 1); Temporal (GetSystemInfo) is reported, not required',
      tags: TAGS,
      access: { public: PROBE },
      responses: { 200: { description: 'Ready', schema: readinessResponseSchema } },
      problems: ['upstream_unavailable'],
    },
    async () => {
      const probe = async (name: string, work: () => Promise<unknown>) => {
        try {
          // A margin over the Temporal call's own deadline, so that one reports first.
          await withTimeout(work(), CHECK_TIMEOUT_MS + 500);
          return 'ok' as const;
        } catch (err) {
          logger.warn('readiness check failed', { check: name, error: (err as Error).name });
          return 'failed' as const;
        }
      };
      const [database, temporalCheck] = await Promise.all([
        probe('database', () => pingDatabase(db)),
        probe('temporal', () => temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}))),
      ]);
      const checks = { database, temporal: temporalCheck };
      if (database !== 'ok') throw new Problem('upstream_unavailable', 'Not ready: see checks', undefined, { checks });
      return { status: 200, body: { status: 'ready' as const, checks } };
    },
  );
}
