// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { EncryptionCodec } from '../../infra/payload-codec';
import { startTemporalDevServer, type RunningDevServer } from '../../scripts/temporal-dev-server';
import { KYC_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { launchBrowser, screenshot, type TestBrowser } from '../support/browser';
import { startTestSystem, type TestSystem } from '../support/system';
import { freePort } from '../../infra/ports';

// The Temporal Web UI of a development setup, as `npm start` runs it: a dev server started with
// --ui-codec-endpoint pointing at our API's /codec, a workflow whose input is encrypted by the
// payload codec, and a person opening it in the UI. The UI sends no token; the codec answers the
// local UI's origin (KYC_CODEC_LOCAL_UI) and the input shows decoded, not as ciphertext.


describe('Temporal UI with the codec', () => {
  let system: TestSystem;
  let devServer: RunningDevServer;
  let browser: TestBrowser;
  let dataDir: string;
  let uiUrl: string;

  before(async () => {
    const uiPort = await freePort();
    uiUrl = `http://127.0.0.1:${uiPort}`;
    system = await startTestSystem({ KYC_CODEC_LOCAL_UI: 'true', TEMPORAL_UI_ORIGIN: uiUrl }, { worker: false });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kyc-ui-codec-'));
    const cliPath = process.env.TEMPORAL_CLI_PATH;
    if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set: run the tests with `npm test`');
    devServer = await startTemporalDevServer({
      cliPath,
      dbFile: path.join(dataDir, 'temporal.db'),
      ip: '127.0.0.1',
      port: await freePort(),
      uiPort,
      namespace: system.config.TEMPORAL_NAMESPACE,
      searchAttributes: KYC_SEARCH_ATTRIBUTES,
      codecEndpoint: `${system.apiUrl}/codec`,
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await devServer?.stop();
    await system?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('when ops open a workflow in the local Temporal UI, then its input shows decoded, not as ciphertext', async () => {
    const marker = `codec-check-${randomUUID().slice(0, 8)}`;
    const connection = await Connection.connect({ address: devServer.address });
    const workflowId = `ui-codec-${randomUUID()}`;
    try {
      // No worker runs: the workflow stays open with its encrypted input in the history.
      const client = new Client({ connection, namespace: system.config.TEMPORAL_NAMESPACE, dataConverter: { payloadCodecs: [new EncryptionCodec(system.config.KYC_PAYLOAD_KEYS, { acceptPlaintext: false })] } });
      await client.workflow.start('kycVerification', { taskQueue: `ui-codec-${randomUUID()}`, workflowId, args: [{ marker }] });
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      assert.equal(Buffer.from(input?.metadata?.encoding ?? []).toString(), 'binary/encrypted', 'the server holds ciphertext only');
      assert.ok(!Buffer.from(input?.data ?? []).toString('latin1').includes(marker));
    } finally {
      await connection.close();
    }

    const page = await browser.newPage();
    const codecAnswers: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${system.apiUrl}/codec/decode`) && response.request().method() === 'POST') codecAnswers.push(response.status());
    });
    await page.goto(`${uiUrl}/namespaces/${system.config.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByText(marker).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'temporal-ui-decoded-input');
    assert.ok(codecAnswers.length > 0 && codecAnswers.every((status) => status === 200), `codec answers: ${codecAnswers.join(', ')}`);
    assert.equal(await page.getByText(/Codec Server could not connect/i).count(), 0);
  });
});
