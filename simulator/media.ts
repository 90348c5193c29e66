// The images Veriff keeps of a session, for a decided session that has none uploaded: a generated
// identity document of the session's applicant (document-check/specimens.ts: drawn, no real
// person), so GET /v1/sessions/{id}/media and GET /v1/media/{id} serve what a reviewer would see.
import crypto from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type SpecimenOptions } from '../document-check/specimens';
import { type SimSession, type SimulatorStore } from './store';

/**
 * Draws document images on a thread of their own, one at a time, started on first use and not
 * keeping the process alive. The thread loads the TypeScript source through tsx's require hook
 * (a worker thread does not inherit the loader the process was started with).
 */
class SpecimenDrawer {
  private thread: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (image: Buffer) => void; reject: (err: Error) => void }>();

  draw(options: SpecimenOptions): Promise<Buffer> {
    const id = (this.nextId += 1);
    const thread = this.start();
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      thread.postMessage({ id, options });
    });
  }

  private start(): Worker {
    if (this.thread) return this.thread;
    const entry = path.join(__dirname, 'specimen-thread.ts');
    const thread = new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true });
    thread.on('message', (done: { id: number; image?: Uint8Array; error?: string }) => {
      const job = this.pending.get(done.id);
      this.pending.delete(done.id);
      if (done.image) job?.resolve(Buffer.from(done.image));
      else job?.reject(new Error(done.error ?? 'the specimen thread failed'));
    });
    // A thread that dies fails what it had; the next image starts a new one.
    thread.on('error', (err) => this.fail(err));
    thread.on('exit', () => this.fail(new Error('the specimen thread exited')));
    // After the listeners: attaching a message listener takes a reference again.
    thread.unref();
    this.thread = thread;
    return thread;
  }

  private fail(err: Error): void {
    this.thread = null;
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }
}

const drawer = new SpecimenDrawer();

const generating = new WeakMap<SimulatorStore, Map<string, Promise<void>>>();

// What a session request or a decision says of the applicant and their document.
type RequestPerson = { firstName?: string | null; lastName?: string | null; dateOfBirth?: string | null } | null | undefined;
type RequestDocument = { number?: string | null; type?: string | null; country?: string | null } | null | undefined;

/**
 * The document an applicant holds, as drawing options. The seed comes from what is printed on it,
 * so the same person's document looks the same in every session, as a real one would.
 */
export function specimenOf(person: RequestPerson, document: RequestDocument): { key: string; options: SpecimenOptions } {
  const printed = {
    ...(person?.firstName ? { givenNames: person.firstName } : {}),
    ...(person?.lastName ? { surname: person.lastName } : {}),
    ...(person?.dateOfBirth ? { dateOfBirth: person.dateOfBirth } : {}),
    ...(document?.number ? { documentNumber: document.number } : {}),
    ...(document?.country ? { nationality: document.country } : {}),
  };
  const kind = document?.type === 'ID_CARD' ? 'id_card' : 'passport';
  const key = JSON.stringify({ kind, ...printed });
  const seed = crypto.createHash('sha256').update(key).digest().readUInt32BE(0) % 1_000_000;
  return { key, options: { kind, seed, person: printed } };
}

/**
 * Draws the documents of applicants to come, ahead of their sessions (a benchmark's untimed
 * setup: Veriff holds a session's images before it decides, and drawing them is Veriff's cost,
 * not the service's). A decided session of one of these applicants shows its prepared image.
 */
export async function prepareSpecimens(store: SimulatorStore, applicants: { person?: RequestPerson; document?: RequestDocument }[]): Promise<number> {
  let drawn = 0;
  for (const { person, document } of applicants) {
    const { key, options } = specimenOf(person, document);
    if (store.preparedSpecimens.has(key)) continue;
    store.preparedSpecimens.set(key, await drawer.draw(options));
    drawn += 1;
  }
  return drawn;
}

async function generate(store: SimulatorStore, session: SimSession): Promise<void> {
  const verification = session.decision?.verification;
  const { key, options } = specimenOf(verification?.person ?? session.request.person, verification?.document ?? session.request.document);
  const prepared = store.preparedSpecimens.get(key);
  store.specimenCounts[prepared ? 'prepared' : 'drawn'] += 1;
  const image = prepared ?? (await drawer.draw(options));
  store.addMedia({ id: crypto.randomUUID(), sessionId: session.id, context: 'document-front', mimetype: 'image/jpeg', content: image, timestamp: new Date().toISOString() });
}

/** Adds the generated document to a decided session without media, once (concurrent calls wait for the same one). */
export async function ensureDecidedMedia(store: SimulatorStore, session: SimSession): Promise<void> {
  if (!session.decision || store.mediaOf(session.id).length > 0) return;
  const running = generating.get(store) ?? new Map<string, Promise<void>>();
  generating.set(store, running);
  const task = running.get(session.id) ?? generate(store, session).finally(() => running.delete(session.id));
  running.set(session.id, task);
  await task;
}
