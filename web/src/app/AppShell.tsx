/** The signed-in frame: app bar, navigation filtered by role, offline banner, main content. */
import { Suspense, useEffect, useRef, useState } from 'react'
import { NavLink, Outlet, useLocation } from 'react-router'
import { Button } from '@/components/Button'
import { cx } from '@/components/cx'
import { PageSpinner } from '@/components/Spinner'
import { ProgressToasts } from '@/features/learning/ProgressToasts'
import { learningNav } from '@/features/learning/routes'
import { OrgSwitcher } from '@/features/orgs/OrgSwitcher'
import { ADMIN_ROLES, ALL_ROLES, MENTOR_ROLES, useAuth } from '@/lib/auth/context'
import type { Role } from '@/lib/auth/me'
import { ThemeToggle } from './ThemeToggle'

interface NavItem {
  to: string
  label: string
  /** Who sees it; `null` means every signed-in user, even without an organisation. */
  roles: readonly Role[] | null
  /** Also active on the pages under it (`/mentor/<conversation>`). */
  prefix?: boolean
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'Home', roles: null },
  { to: '/mentor', label: 'Mentor', roles: ALL_ROLES, prefix: true },
  // Content and quizzes, then learning progress (Learners is the mentors' entry)
  { to: '/courses', label: 'Courses', roles: ALL_ROLES },
  { to: '/quizzes', label: 'Quizzes', roles: ALL_ROLES },
  ...learningNav,
  { to: '/author/courses', label: 'Course authoring', roles: MENTOR_ROLES },
  { to: '/author/quizzes', label: 'Quiz builder', roles: MENTOR_ROLES },
  { to: '/admin/members', label: 'Members', roles: MENTOR_ROLES },
  { to: '/admin/invitations', label: 'Invitations', roles: ADMIN_ROLES },
  { to: '/admin/ai', label: 'AI settings', roles: ADMIN_ROLES, prefix: true },
  { to: '/orgs', label: 'Organisations', roles: null },
  { to: '/settings', label: 'Profile', roles: null },
  { to: '/settings/security', label: 'Security', roles: null },
]

export function visibleNav(role: Role | null): NavItem[] {
  return NAV_ITEMS.filter((item) => item.roles === null || (role !== null && item.roles.includes(role)))
}

function navClass({ isActive }: { isActive: boolean }) {
  return cx(
    'block rounded-lg px-3 py-2 text-sm font-medium',
    isActive
      ? 'bg-brand-100 text-brand-800 dark:bg-slate-800 dark:text-brand-300'
      : 'text-slate-800 hover:bg-slate-200 dark:text-slate-200 dark:hover:bg-slate-800',
  )
}

export function AppShell() {
  const { me, role, signOut } = useAuth()
  const location = useLocation()
  const [menuOpen, setMenuOpen] = useState(false)
  const [signingOut, setSigningOut] = useState(false)
  const main = useRef<HTMLElement>(null)
  const items = visibleNav(role)

  // Close the phone menu on navigation, and move focus to the new page for screen readers.
  useEffect(() => {
    setMenuOpen(false)
    main.current?.focus({ preventScroll: true })
  }, [location.pathname])

  async function onSignOut() {
    setSigningOut(true)
    // The guard sends the signed-out visitor to /login once the session is gone.
    await signOut()
  }

  const nav = (
    <ul className="space-y-1">
      {items.map((item) => (
        <li key={item.to}>
          <NavLink to={item.to} end={!item.prefix} className={navClass}>
            {item.label}
          </NavLink>
        </li>
      ))}
    </ul>
  )

  return (
    <div className="flex min-h-dvh flex-col">
      {/* Level-ups and new badges as toasts (no real-time connection in unit tests). */}
      <ProgressToasts organisationId={me?.active_organisation?.id ?? null} connect={import.meta.env.MODE === 'test' ? null : undefined} />
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 text-brand-800 focus:not-sr-only focus:absolute focus:left-2 focus:top-2"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur dark:border-slate-800 dark:bg-slate-950/95">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-3 sm:px-4">
          <button
            type="button"
            className="inline-flex size-10 items-center justify-center rounded-lg hover:bg-slate-200 md:hidden dark:hover:bg-slate-800"
            aria-expanded={menuOpen}
            aria-controls="mobile-nav"
            aria-label="Menu"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <span aria-hidden="true" className="text-xl">
              ☰
            </span>
          </button>
          <NavLink to="/" className="mr-2 hidden items-center gap-1 font-bold text-brand-700 sm:flex dark:text-brand-300">
            <span aria-hidden="true">★</span> StarGuide
          </NavLink>
          <OrgSwitcher />
          <div className="ml-auto flex shrink-0 items-center gap-1">
            <ThemeToggle />
            <span className="hidden max-w-[12rem] truncate px-2 text-sm text-slate-700 lg:inline dark:text-slate-300">
              {me?.display_name}
            </span>
            <Button variant="ghost" className="px-2 sm:px-4" onClick={onSignOut} pending={signingOut}>
              Sign out
            </Button>
          </div>
        </div>
        {menuOpen && (
          <nav id="mobile-nav" aria-label="Main" className="border-t border-slate-200 p-3 md:hidden dark:border-slate-800">
            {nav}
          </nav>
        )}
      </header>
      <div className="mx-auto flex w-full max-w-7xl flex-1 gap-6 px-3 py-6 sm:px-4">
        <nav aria-label="Main" className="hidden w-52 shrink-0 md:block">
          {nav}
        </nav>
        <main id="main" ref={main} tabIndex={-1} className="min-w-0 flex-1 focus:outline-none">
          <Suspense fallback={<PageSpinner />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  )
}
