// needs: postgres, temporal-cli, temporal-server, temporal-ui, haproxy, openssl, fonts
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos, SHORT_RUN, type ChaosReport } from '../../bench/chaos/run';

// The short chaos run (`npm run chaos -- --short`) on the production topology: a few customers
// down every branch while a worker, an API process, the Temporal Server, PostgreSQL and RabbitMQ
// are each crashed once, with Veriff slow, failing, duplicating, reordering and losing webhooks.
// It asserts outcomes only (states, counts, duplicates); the timings are the report's.

describe('chaos: every fault once, on the production topology', () => {
  let report: ChaosReport;

  before(async () => {
    const lines: string[] = [];
    report = await runChaos({ ...SHORT_RUN, log: (line) => lines.push(line) });
    console.log([...lines, '', report.table].join('\n'));
  });

  test('when the run is over, then every verification reached the state its script asked for', () => {
    const wrong = report.outcomes.filter((o) => o.seen !== o.expected).map((o) => `${o.branch} #${o.index}: ${o.seen ?? o.error}`);
    assert.deepEqual(wrong, []);
  });

  test('when the run is over, then every figure with a target meets it', () => {
    const missed = report.rows.filter((r) => r.ok === false).map((r) => `${r.figure}: ${r.value} (target ${r.target})`);
    assert.deepEqual(missed, []);
  });

  test('when faults were injected, then each of them happened and its component came back', () => {
    assert.deepEqual(
      report.faults.map((f) => f.kind),
      SHORT_RUN.faults.map((f) => f.kind),
    );
    for (const fault of report.faults) assert.ok(fault.backAt >= fault.downAt, fault.name);
  });

  test('when a decision webhook was lost, then the decision poll fetched it', () => {
    const row = report.rows.find((r) => r.figure.startsWith('decision webhooks lost'));
    assert.ok(row, 'the report counts lost decisions');
    const [lost, fetched] = row.value.split('/').map((v) => Number(v.trim()));
    assert.ok(lost! >= 1, 'the run loses at least one decision webhook');
    assert.ok(fetched! >= lost!, row.value);
  });
});
