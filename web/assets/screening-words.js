// Sanctions and PEP screening in words people read: the case page and the screening page share them.

export const SOURCE_NAMES = { 'ofac-sdn': 'OFAC SDN', 'un-sc': 'UN Security Council', opensanctions: 'OpenSanctions (FollowTheMoney)' };

export const KIND_NAMES = { sanction: 'Sanctions', pep: 'Politically exposed person', rca: 'Close associate of a PEP', crime: 'Crime', other: 'Other listing' };

// The score adjustments of the matcher (screening/match.ts), as a reviewer reads them.
export const FACTOR_TEXT = {
  dob_exact: 'date of birth: same day',
  dob_day_month_swapped: 'date of birth: day and month swapped',
  dob_year: 'date of birth: same year',
  dob_in_range: 'date of birth: within the listed range',
  dob_same_year_other_day: 'date of birth: same year, another day',
  dob_one_year_apart: 'date of birth: a year apart',
  dob_mismatch: 'date of birth: differs',
  country_match: 'country: shared',
  country_mismatch: 'country: none shared',
  gender_mismatch: 'gender: differs',
  weak_alias: 'matched a weak alias',
};

/** One adjustment of a score: what it was, by how much, and the entry's value behind it. */
export function adjustmentText(adjustment) {
  const effect = `${adjustment.effect > 0 ? '+' : ''}${adjustment.effect.toFixed(2)}`;
  const value = adjustment.entry_value ? ` (entry: ${[adjustment.entry_value].flat().join(', ')})` : '';
  return `${FACTOR_TEXT[adjustment.factor] ?? adjustment.factor.replaceAll('_', ' ')} ${effect}${value}`;
}
