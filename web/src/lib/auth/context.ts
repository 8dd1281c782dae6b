/** The auth context's shape and hook (the provider is in AuthProvider.tsx). */
import { createContext, useContext } from 'react'
import type { Me, Role } from './me'
import type { TokenPair } from './session'

export type AuthStatus = 'loading' | 'signed-in' | 'signed-out'

export interface AuthValue {
  status: AuthStatus
  /** True once the user signed out on purpose (here or in another tab), until the next sign-in. */
  signedOutByUser: boolean
  /** The user, once `/me` has answered (undefined while loading or signed out). */
  me: Me | undefined
  meError: unknown
  /** Role in the active organisation; null without one. */
  role: Role | null
  /** Start using a token pair from signup, login or switch-organisation. */
  acceptTokens: (pair: TokenPair, options?: { resetCache?: boolean }) => Promise<void>
  signOut: () => Promise<void>
}

export const AuthContext = createContext<AuthValue | null>(null)

export function useAuth(): AuthValue {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>')
  return value
}

export const MENTOR_ROLES: readonly Role[] = ['mentor', 'org_admin']
export const ADMIN_ROLES: readonly Role[] = ['org_admin']
export const ALL_ROLES: readonly Role[] = ['learner', 'mentor', 'org_admin']
