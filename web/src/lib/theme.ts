/** Light and dark themes: the user's choice (kept in localStorage, it is not private) or the system's. */
export type ThemeChoice = 'light' | 'dark' | 'system'
const KEY = 'starguide.theme'

export function storedTheme(): ThemeChoice {
  const value = globalThis.localStorage?.getItem(KEY)
  return value === 'light' || value === 'dark' ? value : 'system'
}

export function applyTheme(choice: ThemeChoice): void {
  const dark =
    choice === 'dark' || (choice === 'system' && globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches)
  document.documentElement.classList.toggle('dark', Boolean(dark))
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light'
}

export function setTheme(choice: ThemeChoice): void {
  if (choice === 'system') localStorage.removeItem(KEY)
  else localStorage.setItem(KEY, choice)
  applyTheme(choice)
}

export function watchSystemTheme(): void {
  globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(storedTheme()))
}
