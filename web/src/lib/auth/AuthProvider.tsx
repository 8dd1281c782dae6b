/** Holds who is signed in: renews silently on start, loads `/me`, and signs out cleanly. */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { api } from '@/api/client'
import { clearPrivateCaches } from '@/lib/pwa'
import { type AuthStatus, AuthContext, type AuthValue } from './context'
import { ME_KEY, meQueryOptions } from './me'
import { clearSession, getAccessToken, onTokenChange, refreshAccessToken, setTokens, type TokenPair } from './session'

const CHANNEL = 'starguide-auth'

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient()
  const [status, setStatus] = useState<AuthStatus>(() => (getAccessToken() ? 'signed-in' : 'loading'))
  const [signedOutByUser, setSignedOutByUser] = useState(false)

  const forgetEverything = useCallback(async () => {
    clearSession()
    queryClient.clear()
    await clearPrivateCaches()
  }, [queryClient])

  useEffect(() => {
    const unsubscribe = onTokenChange((token) => {
      if (token) setStatus('signed-in')
      else {
        // The session ended (expired, revoked, or signed out elsewhere): drop its data too.
        queryClient.clear()
        setStatus('signed-out')
      }
    })
    if (!getAccessToken()) {
      void refreshAccessToken().then((token) => setStatus(token ? 'signed-in' : 'signed-out'))
    }
    return unsubscribe
  }, [queryClient])

  // Signing out in one tab signs out every tab of this browser. A channel does not hear its own
  // messages, so the tab that signs out posts on the same one it listens on.
  const channel = useRef<BroadcastChannel | null>(null)
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return
    const current = new BroadcastChannel(CHANNEL)
    current.onmessage = (event) => {
      if (event.data === 'signed-out') {
        setSignedOutByUser(true)
        void forgetEverything()
      }
    }
    channel.current = current
    return () => {
      current.close()
      channel.current = null
    }
  }, [forgetEverything])

  const meQuery = useQuery({ ...meQueryOptions(), enabled: status === 'signed-in' })

  const acceptTokens = useCallback(
    async (pair: TokenPair, options?: { resetCache?: boolean }) => {
      setSignedOutByUser(false)
      setTokens(pair)
      if (options?.resetCache) {
        // Another account or organisation: none of the previous data may show. Queries on screen
        // are reset (and refetched with the new token) rather than removed, so they stay in sync.
        const others = (query: { queryKey: readonly unknown[] }) => query.queryKey[0] !== ME_KEY[0]
        queryClient.removeQueries({ predicate: (q) => others(q) && !q.isActive() })
        await queryClient.resetQueries({ predicate: (q) => others(q) && q.isActive() })
      }
      await queryClient.fetchQuery({ ...meQueryOptions(), staleTime: 0 })
    },
    [queryClient],
  )

  const signOut = useCallback(async () => {
    setSignedOutByUser(true)
    try {
      await api.POST('/api/v1/auth/logout')
    } catch {
      // Offline: the refresh cookie expires on its own; local data is cleared below regardless.
    }
    await forgetEverything()
    channel.current?.postMessage('signed-out')
  }, [forgetEverything])

  const value = useMemo<AuthValue>(
    () => ({
      status,
      signedOutByUser,
      me: status === 'signed-in' ? meQuery.data : undefined,
      meError: meQuery.error,
      role: (status === 'signed-in' && meQuery.data?.active_organisation?.role) || null,
      acceptTokens,
      signOut,
    }),
    [status, signedOutByUser, meQuery.data, meQuery.error, acceptTokens, signOut],
  )
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}
