/** Service worker registration, and removal of everything cached except the static app shell. */

/** Workbox keeps the precached shell in a cache whose name contains this. */
const SHELL_CACHE_MARK = 'precache'

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      // The app works without it; only offline start and install are lost.
    })
  })
}

/** Drop every Cache Storage entry but the shell (run on sign-out: school computers are shared). */
export async function clearPrivateCaches(): Promise<void> {
  if (typeof caches === 'undefined') return
  const names = await caches.keys()
  await Promise.all(names.filter((name) => !name.includes(SHELL_CACHE_MARK)).map((name) => caches.delete(name)))
}
