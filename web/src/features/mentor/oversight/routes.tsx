/** The oversight screens' routes (mentors and admins), spread into the app's routes; each its own chunk. */
import { lazy } from 'react'
import type { RouteObject } from 'react-router'
import { MENTOR_ROLES } from '@/lib/auth/context'
import { RequireRole } from '@/lib/auth/guards'
import { OpenAlertsBadge } from './AlertToasts'

const AlertsPage = lazy(() => import('./AlertsPage'))
const AlertPage = lazy(() => import('./AlertPage'))
const LearnerConversationsPage = lazy(() => import('./LearnerConversationsPage'))
const LearnerConversationPage = lazy(() => import('./LearnerConversationPage'))

export const oversightRoutes: RouteObject[] = [
  { path: 'alerts', element: <RequireRole roles={MENTOR_ROLES}><AlertsPage /></RequireRole> },
  { path: 'alerts/:alertId', element: <RequireRole roles={MENTOR_ROLES}><AlertPage /></RequireRole> },
  { path: 'learner-conversations', element: <RequireRole roles={MENTOR_ROLES}><LearnerConversationsPage /></RequireRole> },
  {
    path: 'learner-conversations/:conversationId',
    element: <RequireRole roles={MENTOR_ROLES}><LearnerConversationPage /></RequireRole>,
  },
]

/** Navigation entries (mentors and admins); Alerts carries the number of open alerts. */
export const oversightNav = [
  { to: '/alerts', label: 'Alerts', roles: MENTOR_ROLES, prefix: true, badge: OpenAlertsBadge },
  { to: '/learner-conversations', label: 'Learner chats', roles: MENTOR_ROLES, prefix: true },
] as const
