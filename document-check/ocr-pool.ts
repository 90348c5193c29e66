import path from 'node:path';
import { createWorker, OEM, PSM, type Page, type Worker } from 'tesseract.js';

// Tesseract workers (WASM, each on its own worker thread) shared across checks: starting one
// loads the core and the English model (about a second), recognising reuses it. Everything
// is loaded from npm packages on disk (no CDN, no cache directory).

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrSymbol {
  text: string;
  confidence: number;
  box: Box;
}

export interface OcrWord {
  text: string;
  confidence: number;
  box: Box;
  symbols: OcrSymbol[];
}

export interface OcrLine {
  text: string;
  confidence: number;
  box: Box;
  // Where the baseline starts and ends: the line's slope.
  baseline: Box;
  words: OcrWord[];
}

export interface OcrPage {
  confidence: number;
  lines: OcrLine[];
}

// `text`: printed text in any layout. `mrz`: one block of machine-readable-zone characters.
export type OcrMode = 'text' | 'mrz';

const MRZ_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<';

const MODE_PARAMETERS: Record<OcrMode, Record<string, string>> = {
  text: { tessedit_char_whitelist: '', tessedit_pageseg_mode: PSM.AUTO, user_defined_dpi: '300' },
  mrz: { tessedit_char_whitelist: MRZ_CHARACTERS, tessedit_pageseg_mode: PSM.SINGLE_BLOCK, user_defined_dpi: '300' },
};

interface Slot {
  worker: Worker;
  mode: OcrMode | null;
}

/** What a check reads text with: the pool itself, or a lane of it. */
export interface OcrReader {
  recognize(image: Buffer, mode: OcrMode): Promise<OcrPage>;
}

export interface OcrPoolOptions {
  // Workers running at once; each holds about 100 MB and one core while it recognises.
  size?: number;
}

export interface OcrLaneOptions {
  /** Runs of the lane at once: a run reads one image at a time, so this is also the most workers the lane holds. */
  maxRunning: number;
  /** Runs that may wait for their turn; more are refused (OcrLaneFullError). */
  maxWaiting: number;
  /** What one run is expected to take before any has been timed, for the retry advice. */
  expectedRunSeconds?: number;
}

export class OcrPoolClosedError extends Error {
  constructor() {
    super('the OCR pool has been terminated');
    this.name = 'OcrPoolClosedError';
  }
}

export class OcrLaneFullError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    readonly limits: { running: number; waiting: number },
  ) {
    super(`the OCR lane is full (${limits.running} running, ${limits.waiting} waiting)`);
    this.name = 'OcrLaneFullError';
  }
}

interface Waiter {
  resolve: (slot: Slot) => void;
  reject: (error: Error) => void;
}

// Two classes of work share a pool. The pool's own callers (the worker's document checks) are served
// first and never refused: Temporal bounds how many run. A lane (the API's checks on request) is
// served when no such job waits, runs at most maxRunning at once and queues at most maxWaiting, so
// requests cannot take every worker nor pile up images in memory while they wait.
export class OcrPool implements OcrReader {
  readonly size: number;
  private readonly idle: Slot[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly laneWaiting: Waiter[] = [];
  private readonly lanes = new Set<OcrLane>();
  private readonly starting = new Set<Promise<Slot>>();
  private readonly busy = new Set<Slot>();
  private created = 0;
  private closed = false;

  constructor(options: OcrPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 1);
  }

  recognize(image: Buffer, mode: OcrMode): Promise<OcrPage> {
    return this.recognizeOn(image, mode, this.waiting);
  }

  /** A lane of this pool, served after the pool's own jobs. */
  lane(options: OcrLaneOptions): OcrLane {
    const lane = new OcrLane(options, (image, mode) => this.recognizeOn(image, mode, this.laneWaiting));
    this.lanes.add(lane);
    return lane;
  }

  // Stops every worker; jobs still waiting for one, and runs waiting in lanes, are rejected.
  async terminate(): Promise<void> {
    this.closed = true;
    for (const waiter of [...this.waiting.splice(0), ...this.laneWaiting.splice(0)]) waiter.reject(new OcrPoolClosedError());
    for (const lane of this.lanes) lane.close();
    const started = await Promise.allSettled([...this.starting]);
    const slots = [...this.idle.splice(0), ...this.busy, ...started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))];
    this.busy.clear();
    await Promise.allSettled(slots.map((slot) => slot.worker.terminate()));
  }

  private async recognizeOn(image: Buffer, mode: OcrMode, queue: Waiter[]): Promise<OcrPage> {
    const slot = await this.acquire(queue);
    try {
      if (slot.mode !== mode) {
        await slot.worker.setParameters(MODE_PARAMETERS[mode]);
        slot.mode = mode;
      }
      const result = await slot.worker.recognize(image, {}, { text: false, blocks: true });
      this.release(slot);
      return toPage(result.data);
    } catch (error) {
      // A worker that failed may be in any state: drop it; the next job starts a fresh one.
      this.discard(slot);
      throw error;
    }
  }

  private async acquire(queue: Waiter[]): Promise<Slot> {
    if (this.closed) throw new OcrPoolClosedError();
    const slot = this.idle.pop();
    if (slot) {
      this.busy.add(slot);
      return slot;
    }
    if (this.created < this.size) return this.start();
    return new Promise((resolve, reject) => queue.push({ resolve, reject }));
  }

  private nextWaiter(): Waiter | undefined {
    return this.waiting.shift() ?? this.laneWaiting.shift();
  }

  private async start(): Promise<Slot> {
    this.created += 1;
    const starting = startWorker().then((worker) => ({ worker, mode: null }));
    this.starting.add(starting);
    try {
      const slot = await starting;
      if (this.closed) {
        await slot.worker.terminate();
        throw new OcrPoolClosedError();
      }
      this.busy.add(slot);
      return slot;
    } catch (error) {
      this.created -= 1;
      throw error;
    } finally {
      this.starting.delete(starting);
    }
  }

  private release(slot: Slot): void {
    const waiter = this.nextWaiter();
    if (waiter) {
      waiter.resolve(slot);
      return;
    }
    this.busy.delete(slot);
    this.idle.push(slot);
  }

  private discard(slot: Slot): void {
    this.busy.delete(slot);
    this.created -= 1;
    void slot.worker.terminate().catch(() => undefined);
    const waiter = this.nextWaiter();
    if (waiter) this.start().then(waiter.resolve, waiter.reject);
  }
}

// How much the latest run moves the estimate of a run's duration.
const DURATION_WEIGHT = 0.2;

/** Admission to a pool's lane: `run` refuses at once when the lane is full, instead of queueing without end. */
export class OcrLane {
  private running = 0;
  private readonly queue: Array<{ start: () => void; reject: (error: Error) => void }> = [];
  private averageSeconds: number;
  private closed = false;

  constructor(
    private readonly options: OcrLaneOptions,
    private readonly read: OcrReader['recognize'],
  ) {
    this.averageSeconds = options.expectedRunSeconds ?? 10;
  }

  /** Runs `work` with the lane's reader once it is its turn; throws OcrLaneFullError when maxRunning run and maxWaiting wait already. */
  async run<T>(work: (ocr: OcrReader) => Promise<T>): Promise<T> {
    if (this.closed) throw new OcrPoolClosedError();
    if (this.running >= this.options.maxRunning) {
      if (this.queue.length >= this.options.maxWaiting) throw new OcrLaneFullError(this.retryAfterSeconds(), { running: this.options.maxRunning, waiting: this.options.maxWaiting });
      await new Promise<void>((start, reject) => this.queue.push({ start, reject }));
    } else {
      this.running += 1;
    }
    const started = performance.now();
    try {
      return await work({ recognize: this.read });
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.averageSeconds += (seconds - this.averageSeconds) * DURATION_WEIGHT;
      const next = this.queue.shift();
      // The slot passes to the next run as it is: `running` stays counted.
      if (next) next.start();
      else this.running -= 1;
    }
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.reject(new OcrPoolClosedError());
  }

  // When a place is likely free: every run ahead, shared among the lane's running places.
  private retryAfterSeconds(): number {
    const ahead = this.running + this.queue.length;
    return Math.max(1, Math.ceil((this.averageSeconds * ahead) / this.options.maxRunning));
  }
}

// The folder @tesseract.js-data/eng's entry point names (the package ships no types to read it through).
const ENGLISH_MODEL_FOLDER = path.join(path.dirname(require.resolve('@tesseract.js-data/eng')), '4.0.0');

async function startWorker(): Promise<Worker> {
  return createWorker('eng', OEM.LSTM_ONLY, {
    langPath: ENGLISH_MODEL_FOLDER,
    gzip: true,
    corePath: path.dirname(require.resolve('tesseract.js-core/package.json')),
    cacheMethod: 'none',
  });
}

const toBox = (bbox: Box): Box => ({ x0: bbox.x0, y0: bbox.y0, x1: bbox.x1, y1: bbox.y1 });

function toPage(page: Page): OcrPage {
  const lines: OcrLine[] = (page.blocks ?? []).flatMap((block) =>
    block.paragraphs.flatMap((paragraph) =>
      paragraph.lines.map((line) => ({
        text: line.text.trim(),
        confidence: line.confidence,
        box: toBox(line.bbox),
        baseline: { x0: line.baseline.x0, y0: line.baseline.y0, x1: line.baseline.x1, y1: line.baseline.y1 },
        words: line.words.map((word) => ({
          text: word.text,
          confidence: word.confidence,
          box: toBox(word.bbox),
          symbols: word.symbols.map((symbol) => ({ text: symbol.text, confidence: symbol.confidence, box: toBox(symbol.bbox) })),
        })),
      })),
    ),
  );
  return { confidence: page.confidence, lines };
}
