// The sanctions and PEP list sources the screening engine (screening/) can load, by name.
export const SCREENING_SOURCES = ['ofac-sdn', 'un-sc', 'opensanctions'] as const;
export type ScreeningSource = (typeof SCREENING_SOURCES)[number];

export function isScreeningSource(value: string): value is ScreeningSource {
  return (SCREENING_SOURCES as readonly string[]).includes(value);
}
