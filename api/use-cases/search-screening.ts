import { type z } from 'zod';
import { type screeningSearchRequestSchema, type ScreeningSearchResponse } from '../../screening/search-contract';
import { type UseCaseDeps } from './deps';

// Ad-hoc screening for compliance staff: one name (a date of birth and a country narrow it) against
// the lists in force, answered with the closest entries, best first, each with its score, whether it
// reaches SCREENING_MATCH_THRESHOLD, and why. Nothing is stored: the person searched for need not
// be a customer.
export async function searchScreening(deps: Pick<UseCaseDeps, 'stores' | 'config'>, request: z.output<typeof screeningSearchRequestSchema>): Promise<ScreeningSearchResponse> {
  return deps.stores.screening.search(request, deps.config.SCREENING_MATCH_THRESHOLD);
}
