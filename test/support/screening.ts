import { readFile } from 'node:fs/promises';
import { BUNDLED_LISTS } from '../../screening/bundled';
import { loadList, readListFiles } from '../../screening/load-list';
import { type ScreeningStore } from '../../store/screening';
import { startPendingRescreen } from '../../worker/screening';
import { type RescreenProgress, type ScreeningCaseSettings } from '../../workflows/screening-monitor.contract';
import { type TestSystem } from './system';

// Lists for the screening tests: the bundled UN and FollowTheMoney copies (the UN list is real and
// small enough to load in seconds; OFAC's takes longer and adds nothing the UN list does not), new
// versions of the UN list made from the published file, and rescreens run to their end.

const UN_FILE = BUNDLED_LISTS.find((l) => l.source === 'un-sc')!.paths[0]!;
const FTM_PATHS = BUNDLED_LISTS.find((l) => l.source === 'opensanctions')!.paths;

/** Gaston Iyamuremye, on the UN list (DRC sanctions) and OFAC's, born 1948, Rwandan. */
export const LISTED_PERSON = { first_name: 'Gaston', last_name: 'Iyamuremye', entryId: 'un-sc:6907995', dataId: '6907995' } as const;

export function unListXml(): Promise<string> {
  return readFile(UN_FILE, 'utf8');
}

/** A new person on the UN list: a copy of Gaston Iyamuremye's listing under another id, name, year of birth and nationality, without his aliases. */
export function withListedIndividual(xml: string, person: { dataId: string; first: string; second: string; year: string; nationality: string }): string {
  const start = xml.indexOf(`<INDIVIDUAL>\n      <DATAID>${LISTED_PERSON.dataId}</DATAID>`);
  const end = xml.indexOf('</INDIVIDUAL>', start) + '</INDIVIDUAL>'.length;
  const entry = xml
    .slice(start, end)
    .replace(`<DATAID>${LISTED_PERSON.dataId}</DATAID>`, `<DATAID>${person.dataId}</DATAID>`)
    .replace('<FIRST_NAME>GASTON</FIRST_NAME>', `<FIRST_NAME>${person.first.toUpperCase()}</FIRST_NAME>`)
    .replace('<SECOND_NAME>IYAMUREMYE</SECOND_NAME>', `<SECOND_NAME>${person.second.toUpperCase()}</SECOND_NAME>`)
    .replace('<YEAR>1948</YEAR>', `<YEAR>${person.year}</YEAR>`)
    .replace('<VALUE>Rwanda</VALUE>', `<VALUE>${person.nationality}</VALUE>`)
    .replace(/\s*<INDIVIDUAL_ALIAS>[\s\S]*?<\/INDIVIDUAL_ALIAS>/g, '');
  return xml.replace('  </INDIVIDUALS>', `    ${entry}\n  </INDIVIDUALS>`);
}

/** The UN list changes Gaston Iyamuremye's entry (one more alias): its content, and so its hash, changes. */
export function withChangedListedPerson(xml: string): string {
  return xml.replace('<ALIAS_NAME>Victor Rumuri</ALIAS_NAME>', '<ALIAS_NAME>Victor Rumuri</ALIAS_NAME>\n      </INDIVIDUAL_ALIAS>\n      <INDIVIDUAL_ALIAS>\n        <QUALITY>Good</QUALITY>\n        <ALIAS_NAME>Victor Byiringiro</ALIAS_NAME>');
}

export async function loadUnList(system: TestSystem, xml?: string) {
  return loadList(system.db, 'un-sc', [{ name: 'consolidated.xml', content: xml ?? (await unListXml()) }]);
}

export async function loadFollowTheMoney(system: TestSystem) {
  return loadList(system.db, 'opensanctions', await readListFiles('opensanctions', FTM_PATHS));
}

export function screeningStore(system: TestSystem): ScreeningStore {
  return system.stores.screening;
}

/** Starts the rescreen for the versions loaded since the last one (as a load by hand does) and waits for its end. */
export async function rescreenNewVersions(system: TestSystem, settings: Pick<ScreeningCaseSettings, 'hitAction'>): Promise<{ workflowId: string; progress: RescreenProgress }> {
  const workflowId = await startPendingRescreen(system.client, screeningStore(system), { ...system.config, SCREENING_HIT_ACTION: settings.hitAction });
  if (!workflowId) throw new Error('no list version awaited a rescreen');
  const progress = (await system.client.workflow.getHandle(workflowId).result()) as RescreenProgress;
  return { workflowId, progress };
}
