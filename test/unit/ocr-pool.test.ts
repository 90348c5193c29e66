// needs: fonts
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { OcrLaneFullError, OcrPool, OcrPoolClosedError } from '../../document-check';

// The OCR pool's lanes (document-check/ocr-pool.ts), on real Tesseract workers: a lane admits so
// many runs and queues so many, refusing the next at once; the pool's own jobs (the worker's
// document checks) go before the lane's jobs waiting for a worker. Every job below is queued in
// one tick, so the order they are served in does not depend on how long a recognition takes.

const page = (text: string) =>
  sharp({ create: { width: 600, height: 120, channels: 3, background: '#ffffff' } })
    .composite([{ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="120"><text x="20" y="75" font-family="DejaVu Sans" font-size="40">${text}</text></svg>`) }])
    .png()
    .toBuffer();

describe('OCR pool lanes', () => {
  const pools: OcrPool[] = [];
  const poolOf = (size: number) => {
    const pool = new OcrPool({ size });
    pools.push(pool);
    return pool;
  };
  after(async () => {
    await Promise.all(pools.map((pool) => pool.terminate()));
  });

  test('when a lane has maxRunning runs and maxWaiting waiting, then the next run is refused at once with a wait to retry after', async () => {
    const lane = poolOf(1).lane({ maxRunning: 1, maxWaiting: 2, expectedRunSeconds: 8 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const admitted = [lane.run(() => held), lane.run(() => held), lane.run(() => held)];
    await assert.rejects(lane.run(async () => 'never'), (error: unknown) => {
      assert.ok(error instanceof OcrLaneFullError);
      assert.deepEqual(error.limits, { running: 1, waiting: 2 });
      // Three runs ahead, one at a time, about eight seconds each.
      assert.equal(error.retryAfterSeconds, 24);
      return true;
    });
    release();
    await Promise.all(admitted);
    assert.equal(await lane.run(async () => 'admitted again'), 'admitted again');
  });

  test("when the lane's jobs wait for the only worker, then a job of the pool's own goes before them", async () => {
    const pool = poolOf(1);
    const lane = pool.lane({ maxRunning: 3, maxWaiting: 0 });
    const image = await page('SPECIMEN 1234');
    const done: string[] = [];
    const read = (name: string, reading: Promise<unknown>) => reading.then(() => done.push(name));
    // The first takes the worker; the next two wait in the lane; the pool's own job comes last.
    const jobs = [
      ...['lane 1', 'lane 2', 'lane 3'].map((name) => read(name, lane.run((ocr) => ocr.recognize(image, 'text')))),
      read('worker check', pool.recognize(image, 'text')),
    ];
    await Promise.all(jobs);
    assert.deepEqual(done, ['lane 1', 'worker check', 'lane 2', 'lane 3']);
  });

  test('when the pool is terminated, then runs waiting in a lane are refused', async () => {
    const pool = poolOf(1);
    const lane = pool.lane({ maxRunning: 1, maxWaiting: 1 });
    let release!: () => void;
    const running = lane.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = lane.run(async () => 'never');
    await pool.terminate();
    await assert.rejects(waiting, OcrPoolClosedError);
    await assert.rejects(lane.run(async () => 'never'), OcrPoolClosedError);
    release();
    await running;
  });
});
