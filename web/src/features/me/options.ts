/** Choices for the profile form: the browser's IANA time zones and the locales we offer. */
export function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  const zones = new Set(['UTC', ...all])
  zones.add(current)
  return [...zones]
}

export const LOCALES = [
  { value: 'en', label: 'English' },
  { value: 'en-GB', label: 'English (United Kingdom)' },
  { value: 'en-US', label: 'English (United States)' },
  { value: 'fr', label: 'Français' },
  { value: 'de', label: 'Deutsch' },
  { value: 'es', label: 'Español' },
  { value: 'it', label: 'Italiano' },
  { value: 'nl', label: 'Nederlands' },
  { value: 'pt', label: 'Português' },
] as const

export function localeOptions(current: string) {
  const known = LOCALES.some((l) => l.value === current)
  return known ? [...LOCALES] : [{ value: current, label: current }, ...LOCALES]
}
