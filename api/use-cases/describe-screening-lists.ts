import { type UseCaseDeps } from './deps';

// The lists as screening uses them: per source the version in force (entries, what it changed,
// when it was loaded), the versions before, and the rescreens that followed with their progress.
export async function describeScreeningLists(deps: Pick<UseCaseDeps, 'stores' | 'config'>) {
  const overview = await deps.stores.screening.listsOverview();
  return { threshold: deps.config.SCREENING_MATCH_THRESHOLD, ...overview };
}
