/** Every screen and who may see it; screens are split into their own chunks (React.lazy). */
import { lazy, Suspense } from 'react'
import { createBrowserRouter, type RouteObject } from 'react-router'
import { PageSpinner } from '@/components/Spinner'
import { ADMIN_ROLES, ALL_ROLES, MENTOR_ROLES } from '@/lib/auth/context'
import { GuestOnly, RequireAuth, RequireRole } from '@/lib/auth/guards'
import { HomeProgress, learningRoutes } from '@/features/learning/routes'
import { oversightRoutes } from '@/features/mentor/oversight/routes'
import { AppShell } from './AppShell'
import { RouteError } from './RouteError'

const LoginPage = lazy(() => import('@/features/auth/LoginPage'))
const SignupPage = lazy(() => import('@/features/auth/SignupPage'))
const ForgotPasswordPage = lazy(() => import('@/features/auth/ForgotPasswordPage'))
const ResetPasswordPage = lazy(() => import('@/features/auth/ResetPasswordPage'))
const InvitationPage = lazy(() => import('@/features/auth/InvitationPage'))
const VerifyEmailPage = lazy(() => import('@/features/auth/VerifyEmailPage'))
const HomePage = lazy(() => import('@/features/home/HomePage'))
const SettingsPage = lazy(() => import('@/features/me/SettingsPage'))
const SecurityPage = lazy(() => import('@/features/me/SecurityPage'))
const OrgsPage = lazy(() => import('@/features/orgs/OrgsPage'))
const CreateOrgPage = lazy(() => import('@/features/orgs/CreateOrgPage'))
const MembersPage = lazy(() => import('@/features/orgs/MembersPage'))
const InvitationsPage = lazy(() => import('@/features/orgs/InvitationsPage'))
const NotFoundPage = lazy(() => import('./NotFoundPage'))
// Content and quizzes
const CoursesPage = lazy(() => import('@/features/content/CoursesPage'))
const CoursePage = lazy(() => import('@/features/content/CoursePage'))
const LessonPage = lazy(() => import('@/features/content/LessonPage'))
const AuthorCoursesPage = lazy(() => import('@/features/content/AuthorCoursesPage'))
const CourseEditorPage = lazy(() => import('@/features/content/CourseEditorPage'))
const LessonEditorPage = lazy(() => import('@/features/content/LessonEditorPage'))
const QuestionBankPage = lazy(() => import('@/features/content/QuestionBankPage'))
const QuizListPage = lazy(() => import('@/features/quizzes/QuizListPage'))
const QuizPage = lazy(() => import('@/features/quizzes/QuizPage'))
const QuizBuilderPage = lazy(() => import('@/features/quizzes/QuizBuilderPage'))
const AttemptPage = lazy(() => import('@/features/quizzes/AttemptPage'))

/** Content and quizzes: reading and taking for every member, authoring for mentors and admins. */
const contentRoutes: RouteObject[] = [
  { path: 'courses', element: <RequireRole roles={ALL_ROLES}><CoursesPage /></RequireRole> },
  { path: 'courses/:courseId', element: <RequireRole roles={ALL_ROLES}><CoursePage /></RequireRole> },
  { path: 'lessons/:lessonId', element: <RequireRole roles={ALL_ROLES}><LessonPage /></RequireRole> },
  // The lesson's address inside its course, also accepted (the mentor's citations use /lessons/:lessonId).
  { path: 'courses/:courseId/lessons/:lessonId', element: <RequireRole roles={ALL_ROLES}><LessonPage /></RequireRole> },
  { path: 'quizzes', element: <RequireRole roles={ALL_ROLES}><QuizListPage /></RequireRole> },
  { path: 'quizzes/:assessmentId', element: <RequireRole roles={ALL_ROLES}><QuizPage /></RequireRole> },
  { path: 'attempts/:attemptId', element: <RequireRole roles={ALL_ROLES}><AttemptPage /></RequireRole> },
  {
    path: 'author',
    element: <RequireRole roles={MENTOR_ROLES} />,
    children: [
      { path: 'courses', element: <AuthorCoursesPage /> },
      { path: 'courses/:courseId', element: <CourseEditorPage /> },
      { path: 'courses/:courseId/questions', element: <QuestionBankPage /> },
      { path: 'lessons/:lessonId', element: <LessonEditorPage /> },
      { path: 'quizzes', element: <QuizListPage manage /> },
      { path: 'quizzes/new', element: <QuizBuilderPage /> },
      { path: 'quizzes/:assessmentId', element: <QuizBuilderPage /> },
    ],
  },
]
// The mentor and AI settings (their Markdown and highlighting libraries load with these chunks only).
const MentorPage = lazy(() => import('@/features/mentor/MentorPage'))
const AIAdminPage = lazy(() => import('@/features/ai-admin/AIAdminPage'))

/** The screens inside the app shell (navigation, header), for signed-in members. */
const shellScreens: RouteObject[] = [
  { index: true, element: <HomePage progress={<HomeProgress />} /> },
  ...learningRoutes,
  ...oversightRoutes,
  { path: 'settings', element: <SettingsPage /> },
  { path: 'settings/security', element: <SecurityPage /> },
  { path: 'orgs', element: <OrgsPage /> },
  { path: 'orgs/new', element: <CreateOrgPage /> },
  {
    path: 'admin/members',
    element: <RequireRole roles={MENTOR_ROLES}><MembersPage /></RequireRole>,
  },
  {
    path: 'admin/invitations',
    element: <RequireRole roles={ADMIN_ROLES}><InvitationsPage /></RequireRole>,
  },
  ...contentRoutes,
  // Mentor (every member) and AI settings (organisation admins).
  { path: 'mentor', element: <RequireRole roles={ALL_ROLES}><MentorPage /></RequireRole> },
  { path: 'mentor/:conversationId', element: <RequireRole roles={ALL_ROLES}><MentorPage /></RequireRole> },
  { path: 'admin/ai/:section?', element: <RequireRole roles={ADMIN_ROLES}><AIAdminPage /></RequireRole> },
]

function Lazy({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<PageSpinner />}>{children}</Suspense>
}

export const routes: RouteObject[] = [
  {
    element: <GuestOnly />,
    children: [
      { path: '/login', element: <Lazy><LoginPage /></Lazy> },
      { path: '/signup', element: <Lazy><SignupPage /></Lazy> },
      { path: '/forgot-password', element: <Lazy><ForgotPasswordPage /></Lazy> },
    ],
  },
  // Reachable signed in or not: links from e-mails.
  { path: '/reset-password', element: <Lazy><ResetPasswordPage /></Lazy> },
  { path: '/invite/:token', element: <Lazy><InvitationPage /></Lazy> },
  { path: '/verify-email', element: <Lazy><VerifyEmailPage /></Lazy> },
  {
    element: <RequireAuth />,
    children: [
      {
        element: <AppShell />,
        // A screen that fails shows its error inside the shell, so the navigation stays usable.
        children: [{ errorElement: <RouteError />, children: shellScreens }],
      },
    ],
  },
  { path: '*', element: <Lazy><NotFoundPage /></Lazy> },
]

export function makeRouter() {
  // Outside the shell (sign-in pages, or the shell itself failing), the error takes the whole page.
  return createBrowserRouter([{ errorElement: <RouteError />, children: routes }])
}
