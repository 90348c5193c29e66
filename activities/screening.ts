import { Context } from '@temporalio/activity';
import { LIST_GAP_KINDS, LIST_REFRESH_KINDS, listGapAlerts, listRefreshAlerts } from '../domain/alerts';
import { type ScreeningSource, screeningIdentitiesOf } from '../domain/screening';
import { type Db } from '../infra/db';
import { createListMatcher, type ListMatcher, type Subject } from '../screening/list-matcher';
import { activeEntries, activeVersions, entriesInForceAddedBy, listsInForce } from '../screening/lists';
import { type ConfiguredSource, refreshLists } from '../screening/refresh-lists';
import { mergeHits, type ScreeningHit } from '../screening/screen-person';
import { syncConditionAlerts } from '../store/alerts';
import { type RecordStore } from '../store/records';
import { type ScreeningStore } from '../store/screening';
import { type ListRefreshResult, type RescreenProgress, type RescreenTrigger } from '../workflows/screening-monitor.contract';

// The steps of ongoing screening (workflows/screening-monitor.ts): refresh the configured lists,
// rescreen approved customers batch by batch, and apply what a case's review decided. A batch is
// decrypted through the record store and matched in memory against the entries held by the
// matcher (a list update's delta, or every entry in force): customer names never reach a
// database index or a log.

export interface ScreeningSettings {
  /** SCREENING_MATCH_THRESHOLD */
  threshold: number;
  /** SCREENING_SOURCES */
  sources: readonly ConfiguredSource[];
  /** SCREENING_REQUIRED_SOURCES */
  requiredSources: readonly ScreeningSource[];
  /** SCREENING_MAX_LIST_AGE_HOURS, per required source. */
  maxListAgeHours: Partial<Record<ScreeningSource, number>>;
}

export interface RescreenBatchInput {
  workflowId: string;
  trigger: RescreenTrigger;
  listVersionIds: string[];
  after: string | null;
  limit: number;
  /** The figures before this batch: written back with this batch's added, so a retry writes the same. */
  progress: RescreenProgress;
}

export interface RescreenBatchResult {
  screened: number;
  withHits: number;
  last: string | null;
  done: boolean;
  /** Verifications that got new case hits: each needs a review case. */
  newCases: { recordId: string; userId: string }[];
}

// Customers matched between two yields to the event loop (against every entry in force, a slice
// takes some tens of milliseconds).
const SCREEN_SLICE = 50;

const MATCHERS_KEPT = 2;

// A heartbeat while a list loads: a dead worker is noticed within the heartbeat timeout rather
// than after the whole load's.
const HEARTBEAT_MS = 10_000;

export function createScreeningActivities(deps: { db: Db; records: RecordStore; screening: ScreeningStore; settings: ScreeningSettings }) {
  const { db, records, screening, settings } = deps;
  // The matchers of the rescreens under way, kept between their batches (building one prepares
  // every entry it holds): a list update's and a periodic one may run at once; older ones go.
  const matchers = new Map<string, { matcher: ListMatcher; listVersionIds: string[] }>();

  async function matcherFor(trigger: RescreenTrigger, versionIds: string[]) {
    const inForce = trigger === 'periodic' ? (await activeVersions(db)).map((v) => v.id).sort() : [...versionIds].sort();
    const key = `${trigger}:${inForce.join(',')}`;
    let found = matchers.get(key);
    if (!found) {
      const entries = trigger === 'periodic' ? await activeEntries(db, { entityType: 'person' }) : await entriesInForceAddedBy(db, inForce);
      found = { matcher: createListMatcher(entries, { threshold: settings.threshold }), listVersionIds: inForce };
      matchers.set(key, found);
      for (const old of [...matchers.keys()].slice(0, -MATCHERS_KEPT)) matchers.delete(old);
    }
    return found;
  }

  return {
    /** Loads every configured source (one refused feed keeps its version and raises an alert), and names the versions no rescreen has taken yet. */
    async refreshScreeningLists(): Promise<Omit<ListRefreshResult, 'rescreenWorkflowId'> & { awaitingRescreen: string[] }> {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        const outcomes = await refreshLists(db, [...settings.sources]);
        await syncConditionAlerts(db, LIST_REFRESH_KINDS, listRefreshAlerts(outcomes.flatMap((o) => (o.ok ? [] : [{ source: o.source, error: o.error }]))));
        // Screening fails closed while a required list is missing or out of date; a refresh that
        // brings it back resolves the alert (verifications held meanwhile are approved by people).
        const { gaps } = await listsInForce(db, { required: settings.requiredSources, maxAgeHours: settings.maxListAgeHours });
        await syncConditionAlerts(db, LIST_GAP_KINDS, listGapAlerts(gaps));
        return {
          sources: outcomes.map((o) => (o.ok ? { source: o.source, ok: true as const, status: o.result.status, versionId: o.result.version.id } : { source: o.source, ok: false as const, error: o.error })),
          awaitingRescreen: await screening.versionsAwaitingRescreen(),
        };
      } finally {
        clearInterval(beat);
      }
    },

    async startRescreen(input: { workflowId: string; trigger: RescreenTrigger; listVersionIds: string[] }): Promise<void> {
      await screening.startRescreen(input);
    },

    /** One page of approved verifications, in record id order after `after`, screened and recorded. */
    async rescreenBatch(input: RescreenBatchInput): Promise<RescreenBatchResult> {
      const page = await records.approvedIdentities({ after: input.after, limit: input.limit });
      // Nobody (left) to screen: the entries need not be read, nor the matcher built.
      if (page.length === 0) {
        await screening.rescreenProgress(input.workflowId, { ...input.progress, batches: input.progress.batches + 1 }, false);
        return { screened: 0, withHits: 0, last: input.after, done: true, newCases: [] };
      }
      const { matcher, listVersionIds } = await matcherFor(input.trigger, input.listVersionIds);
      // Each identity of a customer is a subject of its own; their hits are merged per record.
      const subjects: (Subject & { recordId: string })[] = page.flatMap((p) => screeningIdentitiesOf(p.identity).map((identity, i) => ({ ...identity, subjectId: `${p.recordId}/${i}`, recordId: p.recordId })));
      const hitsOf = new Map<string, ScreeningHit[][]>();
      for (let from = 0; from < subjects.length; from += SCREEN_SLICE) {
        const slice = subjects.slice(from, from + SCREEN_SLICE);
        matcher.screen(slice).forEach((result, i) => {
          const recordId = slice[i]!.recordId;
          hitsOf.set(recordId, [...(hitsOf.get(recordId) ?? []), result.hits]);
        });
        // Matching is CPU work: between slices the worker's other activities and workflows get their turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const written = await screening.recordRescreenBatch({
        trigger: input.trigger,
        listVersionIds,
        threshold: settings.threshold,
        subjects: page.map((p) => ({ recordId: p.recordId, userId: p.userId, hits: mergeHits(hitsOf.get(p.recordId) ?? [], 10), identityHash: screening.identityHash(screeningIdentitiesOf(p.identity)) })),
      });
      const progress = { ...input.progress, screened: input.progress.screened + page.length, withHits: input.progress.withHits + written.withHits, batches: input.progress.batches + 1 };
      await screening.rescreenProgress(input.workflowId, progress, false);
      return { screened: page.length, withHits: written.withHits, last: page.at(-1)?.recordId ?? input.after, done: page.length < input.limit, newCases: written.newCases };
    },

    async completeRescreen(input: { workflowId: string; progress: RescreenProgress }): Promise<void> {
      await screening.rescreenProgress(input.workflowId, input.progress, true);
    },

    async restrictWalletForScreening(input: { recordId: string; caseId: string }): Promise<string> {
      return screening.restrictWallet(input);
    },

    async settleScreeningCase(input: { recordId: string; caseId: string; outcome: 'cleared' | 'confirmed' }): Promise<void> {
      await screening.settleCase(input);
    },
  };
}
