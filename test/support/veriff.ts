import { type TestSystem } from './system';

// Drives the Veriff simulator's control API the way a person in the Veriff flow (or Veriff itself) would.
export async function sessionOf(system: TestSystem, recordId: string): Promise<string> {
  const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
  if (!record.veriffSessionId) throw new Error(`record ${recordId} has no Veriff session`);
  return record.veriffSessionId;
}

async function control(system: TestSystem, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${system.simulator.url}/control${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`simulator control ${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

export type SimulatedDecision = { status: string; reasonCode?: number; withEvents?: boolean; [key: string]: unknown };

export async function decide(system: TestSystem, recordId: string, decision: SimulatedDecision) {
  return decideSession(system, await sessionOf(system, recordId), decision);
}

/** The decision of a session whose id the caller knows. */
export async function decideSession(system: TestSystem, sessionId: string, decision: SimulatedDecision) {
  return control(system, `/sessions/${sessionId}/decision`, decision);
}

export async function sendEvent(system: TestSystem, recordId: string, action: 'started' | 'submitted') {
  return sendSessionEvent(system, await sessionOf(system, recordId), action);
}

/** An event of a session whose id the caller knows. */
export async function sendSessionEvent(system: TestSystem, sessionId: string, action: 'started' | 'submitted') {
  return control(system, `/sessions/${sessionId}/events`, { action });
}
