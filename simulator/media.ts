// The images Veriff keeps of a session, for a decided session that has none uploaded: a generated
// identity document of the session's applicant (document-check/specimens.ts: drawn, no real
// person), so GET /v1/sessions/{id}/media and GET /v1/media/{id} serve what a reviewer would see.
import crypto from 'node:crypto';
import { generateSpecimen } from '../document-check/specimens';
import { type SimSession, type SimulatorStore } from './store';

const generating = new WeakMap<SimulatorStore, Map<string, Promise<void>>>();

// The same session always shows the same document.
function seedOf(sessionId: string): number {
  return crypto.createHash('sha256').update(sessionId).digest().readUInt32BE(0) % 1_000_000;
}

async function generate(store: SimulatorStore, session: SimSession): Promise<void> {
  const verification = session.decision?.verification;
  const person = verification?.person ?? session.request.person;
  const document = verification?.document ?? session.request.document;
  const specimen = await generateSpecimen({
    kind: document?.type === 'ID_CARD' ? 'id_card' : 'passport',
    seed: seedOf(session.id),
    person: {
      ...(person?.firstName ? { givenNames: person.firstName } : {}),
      ...(person?.lastName ? { surname: person.lastName } : {}),
      ...(person?.dateOfBirth ? { dateOfBirth: person.dateOfBirth } : {}),
      ...(document?.number ? { documentNumber: document.number } : {}),
      ...(document?.country ? { nationality: document.country } : {}),
    },
  });
  store.addMedia({ id: crypto.randomUUID(), sessionId: session.id, context: 'document-front', mimetype: 'image/jpeg', content: specimen.image, timestamp: new Date().toISOString() });
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
