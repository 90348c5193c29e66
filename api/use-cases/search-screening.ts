import { type z } from 'zod';
import { type screeningSearchRequestSchema, type ScreeningSearchResponse } from '../../screening/search-contract';
import { type Principal } from '../auth';
import { type UseCaseDeps } from './deps';
import { countAgainst } from './hourly-limits';

// Ad-hoc screening for compliance staff: one name (a date of birth and a country narrow it) against
// the lists in force, answered with the closest entries, best first, each with its score, whether it
// reaches SCREENING_MATCH_THRESHOLD, and why. Nothing is stored: the person searched for need not
// be a customer. A search scores candidates from every list in the database, far more than a read:
// each staff member has an hourly allowance, so a script looping on it cannot take the database.
export async function searchScreening(deps: Pick<UseCaseDeps, 'stores' | 'config' | 'rateLimiter'>, principal: Principal, request: z.output<typeof screeningSearchRequestSchema>): Promise<ScreeningSearchResponse> {
  await countAgainst(deps, [{ rule: 'screening_searches_per_user', subject: principal.userId, max: deps.config.KYC_SCREENING_SEARCHES_PER_HOUR, what: 'screening searches from one staff member' }]);
  return deps.stores.screening.search(request, deps.config.SCREENING_MATCH_THRESHOLD);
}
