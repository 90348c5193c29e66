// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureScreeningSchedules } from '../../worker/schedules';
import { type ListRefreshResult, type RescreenProgress, SCREENING_SCHEDULE_IDS } from '../../workflows/screening-monitor.contract';
import { unListXml } from '../support/screening';
import { eventually, startTestSystem, type TestSystem } from '../support/system';

// The screening schedules as Temporal Schedules on the real server: the daily refresh of the
// configured sources (SCREENING_SOURCES) loads what changed, keeps a refused feed's version and
// alerts ops, and starts the rescreen of the new versions; the periodic full rescreen runs every
// SCREENING_FULL_RESCREEN_DAYS.

describe('screening schedules', () => {
  let system: TestSystem;
  let folder: string;
  const idPrefix = `test-${randomUUID().slice(0, 8)}-`;
  const refreshId = `${idPrefix}${SCREENING_SCHEDULE_IDS.listRefresh}`;
  const rescreenId = `${idPrefix}${SCREENING_SCHEDULE_IDS.fullRescreen}`;

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'kyc-lists-'));
    const unFile = path.join(folder, 'consolidated.xml');
    await writeFile(unFile, await unListXml());
    // A source whose file is missing: its refresh is refused, the others still load.
    system = await startTestSystem({ SCREENING_SOURCES: `un-sc=${unFile},opensanctions=${path.join(folder, 'missing.ftm.json')}`, SCREENING_FULL_RESCREEN_DAYS: '7', SCREENING_HIT_ACTION: 'restrict', SCREENING_REQUIRED_SOURCES: 'un-sc' }, { lists: false });
  });
  after(async () => {
    for (const id of [refreshId, rescreenId]) await system?.client.schedule.getHandle(id).delete().catch(() => undefined);
    await system?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  async function runOnce(scheduleId: string, after = 0) {
    const handle = system.client.schedule.getHandle(scheduleId);
    await handle.trigger();
    const described = await eventually(() => handle.describe(), (d) => d.info.recentActions.length > after, 30_000, `the action of ${scheduleId}`);
    const started = described.info.recentActions[after]!.action.workflow;
    return system.client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result();
  }

  test('when the setup runs twice, then the refresh runs daily and the full rescreen every SCREENING_FULL_RESCREEN_DAYS, with the hit action in their input', async () => {
    assert.deepEqual((await ensureScreeningSchedules(system.client, system.config, { idPrefix })).map((r) => r.outcome), ['created', 'created']);
    assert.deepEqual((await ensureScreeningSchedules(system.client, system.config, { idPrefix })).map((r) => r.outcome), ['updated', 'updated']);
    const refresh = await system.client.schedule.getHandle(refreshId).describe();
    assert.equal(refresh.action.type === 'startWorkflow' && refresh.action.workflowType, 'screeningListRefresh');
    assert.deepEqual(refresh.spec.calendars?.map((c) => [c.hour, c.minute]), [[[{ start: 3, end: 3, step: 1 }], [{ start: 0, end: 0, step: 1 }]]]);
    const rescreen = await system.client.schedule.getHandle(rescreenId).describe();
    assert.deepEqual(rescreen.spec.intervals?.map((i) => i.every), [7 * 24 * 3600 * 1000]);
    assert.deepEqual(rescreen.action.type === 'startWorkflow' && rescreen.action.args, [{ trigger: 'periodic', listVersionIds: [], settings: { hitAction: 'restrict', reviewSlaSeconds: 86400, escalationSlaSeconds: 172800 } }]);
  });

  test('when the refresh runs, then a source that loads gets its version and its rescreen, a refused one keeps nothing and raises an alert; run again, nothing new loads', async () => {
    const first = (await runOnce(refreshId)) as ListRefreshResult;
    const [un, ftm] = first.sources;
    assert.ok(un?.ok && un.status === 'loaded', JSON.stringify(un));
    assert.ok(ftm && !ftm.ok && /missing\.ftm\.json/.test(ftm.error), JSON.stringify(ftm));
    assert.equal(await system.db.screeningListVersion.count({ where: { source: 'opensanctions' } }), 0);
    const alert = await system.db.opsAlert.findFirstOrThrow({ where: { conditionKey: 'screening_list_refresh_failed:opensanctions' } });
    assert.equal(alert.kind, 'screening_list_refresh_failed');
    assert.ok(first.rescreenWorkflowId, 'the new version is rescreened');
    const progress = (await system.client.workflow.getHandle(first.rescreenWorkflowId).result()) as RescreenProgress;
    assert.equal(progress.screened, 0);
    const row = await system.db.screeningRescreen.findUniqueOrThrow({ where: { workflowId: first.rescreenWorkflowId } });
    assert.deepEqual(row.listVersionIds, [un.ok ? un.versionId : '']);

    const second = (await runOnce(refreshId, 1)) as ListRefreshResult;
    assert.deepEqual(second.sources.map((s) => (s.ok ? s.status : 'refused')), ['unchanged', 'refused']);
    assert.equal(second.rescreenWorkflowId, null, 'no version awaits a rescreen');
    assert.equal((await system.db.opsAlert.findFirstOrThrow({ where: { conditionKey: 'screening_list_refresh_failed:opensanctions' } })).occurrences, 2, 'one alert, seen twice');
  });

  test('when the full rescreen is triggered, then it screens every approved customer against every entry in force', async () => {
    const progress = (await runOnce(rescreenId)) as RescreenProgress;
    assert.deepEqual(progress, { screened: 0, withHits: 0, casesOpened: 0, batches: 1 });
    const rows = await system.db.screeningRescreen.findMany({ where: { trigger: 'periodic' } });
    assert.deepEqual(rows.map((r) => [r.status, r.listVersionIds]), [['completed', []]]);
  });
});
