import { z } from 'zod';
import { SCREENING_SOURCES } from '../../domain/screening';
import { screeningSearchRequestSchema, screeningSearchResponseSchema } from '../../screening/search-contract';
import { principalOf } from '../auth';
import { type ApiRouter } from '../openapi';
import { describeScreeningLists } from '../use-cases/describe-screening-lists';
import { type UseCaseDeps } from '../use-cases/deps';
import { searchScreening } from '../use-cases/search-screening';

// Sanctions and PEP screening for compliance staff and other tools: ad-hoc search (a contract
// others rely on: screening/search-contract.ts) and the lists in force. Reviewers, senior reviewers
// and admins use both; the auditor reads (a search changes nothing).

const TAGS = ['Screening'];
const STAFF = ['reviewer', 'senior_reviewer', 'admin', 'auditor'] as const;
const isoDateTime = z.iso.datetime();

const versionSchema = z.object({
  version_id: z.uuid(),
  source: z.enum(SCREENING_SOURCES),
  publisher_version: z.string().nullable().describe('The publisher’s own label, when the file carries one'),
  entry_count: z.number().int(),
  added: z.number().int(),
  changed: z.number().int(),
  removed: z.number().int(),
  loaded_at: isoDateTime,
});

export const screeningListsResponseSchema = z.object({
  match_threshold: z.number().min(0).max(1).describe('SCREENING_MATCH_THRESHOLD: scores from here up are matches'),
  sources: z.array(z.object({ source: z.enum(SCREENING_SOURCES), in_force: versionSchema.nullable().describe('null: never loaded') })),
  versions: z.array(versionSchema).describe('The latest versions of every source, newest first'),
  rescreens: z
    .array(
      z.object({
        workflow_id: z.string(),
        trigger: z.string().describe('list_update: against what new versions added or changed; periodic: against every entry in force'),
        list_version_ids: z.array(z.uuid()),
        status: z.string(),
        screened: z.number().int(),
        with_hits: z.number().int(),
        cases_opened: z.number().int(),
        started_at: isoDateTime,
        updated_at: isoDateTime,
        completed_at: isoDateTime.nullable(),
      }),
    )
    .describe('The latest rescreens of the approved customers, newest first, with their progress'),
});

type Version = Awaited<ReturnType<typeof describeScreeningLists>>['versions'][number];

function versionOut(version: Version): z.input<typeof versionSchema> {
  return {
    version_id: version.id,
    // Written by the loader under a known source name: anything else is a bug to see, not to hide.
    source: z.enum(SCREENING_SOURCES).parse(version.source),
    publisher_version: version.publisherVersion,
    entry_count: version.entryCount,
    added: version.addedCount,
    changed: version.changedCount,
    removed: version.removedCount,
    loaded_at: version.loadedAt.toISOString(),
  };
}

export function screeningRoutes(api: ApiRouter, deps: UseCaseDeps): void {
  api.route(
    {
      method: 'post',
      path: '/search',
      operationId: 'screeningSearch',
      summary: 'Screen a name against the sanctions and PEP lists in force, best first',
      description:
        'entry_id is "<source>:<the source’s own id>" (ofac-sdn:<ent_num>, un-sc:<DATAID>, opensanctions:<entity id>); match says whether the score (0..1) reaches the configured threshold; explanation shows the entry’s side of every comparison. Nothing is stored. ' +
        'Each staff member may run KYC_SCREENING_SEARCHES_PER_HOUR searches per hour (429 with Retry-After, rule screening_searches_per_user).',
      tags: TAGS,
      access: STAFF,
      body: { schema: screeningSearchRequestSchema, example: { name: 'Ayman al-Zawahiri', date_of_birth: '1951', country: 'EG', limit: 5 } },
      responses: { 200: { description: 'The closest entries, best first', schema: screeningSearchResponseSchema } },
      problems: ['rate_limited'],
    },
    async (req) => ({ status: 200, body: await searchScreening(deps, principalOf(req), req.body) }),
  );

  api.route(
    {
      method: 'get',
      path: '/lists',
      operationId: 'screeningLists',
      summary: 'The list sources, their versions in force, entry counts and load times, and the rescreens',
      tags: TAGS,
      access: STAFF,
      responses: { 200: { description: 'The lists', schema: screeningListsResponseSchema } },
    },
    async () => {
      const { threshold, inForce, versions, rescreens } = await describeScreeningLists(deps);
      return {
        status: 200,
        body: {
          match_threshold: threshold,
          sources: SCREENING_SOURCES.map((source) => {
            const version = inForce.find((v) => v.source === source);
            return { source, in_force: version ? versionOut(version) : null };
          }),
          versions: versions.map(versionOut),
          rescreens: rescreens.map((r) => ({
            workflow_id: r.workflowId,
            trigger: r.trigger,
            list_version_ids: r.listVersionIds,
            status: r.status,
            screened: r.screened,
            with_hits: r.withHits,
            cases_opened: r.casesOpened,
            started_at: r.startedAt.toISOString(),
            updated_at: r.updatedAt.toISOString(),
            completed_at: r.completedAt?.toISOString() ?? null,
          })),
        },
      };
    },
  );
}
