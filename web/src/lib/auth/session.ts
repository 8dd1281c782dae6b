/**
 * The access token lives here, in memory only (never in localStorage); the refresh token is an
 * HttpOnly cookie the browser sends to /api/v1/auth. This module renews the access token before it
 * expires and once on a 401, and serialises renewals across tabs: refresh tokens rotate and a reused
 * one revokes the whole session, so two tabs must never refresh with the same cookie.
 */
import type { components } from '@/api/schema'

export type TokenPair = components['schemas']['TokenPair']
type Listener = (token: string | null) => void

const REFRESH_PATH = '/api/v1/auth/refresh'
/** Renew this long before the access token expires, so requests never race the expiry. */
const RENEW_MARGIN_S = 60
const MIN_RENEW_S = 5

let accessToken: string | null = null
let renewTimer: ReturnType<typeof setTimeout> | undefined
let inflight: Promise<string | null> | null = null
const listeners = new Set<Listener>()

export function getAccessToken(): string | null {
  return accessToken
}

export function onTokenChange(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Keep a token pair from signup, login, refresh or switch-organisation, and plan its renewal. */
export function setTokens(pair: TokenPair | null): void {
  clearTimeout(renewTimer)
  renewTimer = undefined
  accessToken = pair?.access_token ?? null
  if (pair) {
    const delay = Math.max(MIN_RENEW_S, pair.expires_in - RENEW_MARGIN_S) * 1000
    renewTimer = setTimeout(() => void refreshAccessToken(), delay)
  }
  for (const listener of listeners) listener(accessToken)
}

function apiUrl(path: string): string {
  return (globalThis.location?.origin ?? '') + path
}

async function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (locks?.request) return locks.request('starguide-refresh', work) as Promise<T>
  return work()
}

async function doRefresh(): Promise<string | null> {
  return withRefreshLock(async () => {
    let response: Response
    try {
      response = await fetch(apiUrl(REFRESH_PATH), {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json', 'X-Client': 'web' },
        body: '{}',
      })
    } catch {
      // Offline: keep whatever token we have; the next request or timer tries again.
      return accessToken
    }
    if (!response.ok) {
      if (response.status === 401 || response.status === 403) setTokens(null)
      return response.status === 401 || response.status === 403 ? null : accessToken
    }
    const pair = (await response.json()) as TokenPair
    setTokens(pair)
    return pair.access_token
  })
}

/** Renew the access token from the refresh cookie; concurrent callers share one request. */
export function refreshAccessToken(): Promise<string | null> {
  inflight ??= doRefresh().finally(() => {
    inflight = null
  })
  return inflight
}

function isAuthExchange(url: string): boolean {
  return /\/api\/v1\/auth\/(refresh|login|signup|logout)(\?|$)/.test(url)
}

/**
 * `fetch` for the API client: adds the bearer token, and on a 401 renews the token once and
 * retries the request with the new one.
 */
export async function authFetch(request: Request): Promise<Response> {
  const retry = request.clone()
  const token = accessToken
  if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`)
  const response = await fetch(request)
  if (response.status !== 401 || isAuthExchange(request.url) || !token) return response
  const renewed = await refreshAccessToken()
  if (!renewed) return response
  retry.headers.set('Authorization', `Bearer ${renewed}`)
  return fetch(retry)
}

/** Forget the token and stop renewing it (the server side is handled by the caller). */
export function clearSession(): void {
  setTokens(null)
}
