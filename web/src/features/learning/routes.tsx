/** The learning screens' routes, spread into the app's routes (each screen its own chunk). */
import { lazy } from 'react'
import type { RouteObject } from 'react-router'
import { ALL_ROLES, MENTOR_ROLES } from '@/lib/auth/context'
import { RequireRole } from '@/lib/auth/guards'

const BadgesPage = lazy(() => import('./BadgesPage'))
const LeaderboardPage = lazy(() => import('./LeaderboardPage'))
const ReviewPage = lazy(() => import('./ReviewPage'))
const SkillsPage = lazy(() => import('./SkillsPage'))
const LearnersPage = lazy(() => import('./LearnersPage'))
const LearnerProgressPage = lazy(() => import('./LearnerProgressPage'))
const LearningSettingsPage = lazy(() => import('./LearningSettingsPage'))

export const HomeProgress = lazy(() => import('./ProgressOverview'))

export const learningRoutes: RouteObject[] = [
  { path: 'review', element: <RequireRole roles={ALL_ROLES}><ReviewPage /></RequireRole> },
  { path: 'badges', element: <RequireRole roles={ALL_ROLES}><BadgesPage /></RequireRole> },
  { path: 'leaderboards', element: <RequireRole roles={ALL_ROLES}><LeaderboardPage /></RequireRole> },
  { path: 'skills', element: <RequireRole roles={ALL_ROLES}><SkillsPage /></RequireRole> },
  { path: 'settings/learning', element: <RequireRole roles={ALL_ROLES}><LearningSettingsPage /></RequireRole> },
  { path: 'learners', element: <RequireRole roles={MENTOR_ROLES}><LearnersPage /></RequireRole> },
  { path: 'learners/:learnerId', element: <RequireRole roles={MENTOR_ROLES}><LearnerProgressPage /></RequireRole> },
]

export const learningNav = [
  { to: '/review', label: 'Review', roles: ALL_ROLES },
  { to: '/skills', label: 'Skills', roles: ALL_ROLES },
  { to: '/badges', label: 'Badges', roles: ALL_ROLES },
  { to: '/leaderboards', label: 'Leaderboards', roles: ALL_ROLES },
  { to: '/learners', label: 'Learners', roles: MENTOR_ROLES },
] as const
