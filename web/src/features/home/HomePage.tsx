/** The learner's home: what to do today, with empty states that point to what comes next. */
import { ButtonLink } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { BookIcon, ChatIcon, MailIcon } from '@/components/icons'
import { Page } from '@/components/Page'
import { PageSpinner } from '@/components/Spinner'
import { useAuth } from '@/lib/auth/context'
import type { Role } from '@/lib/auth/me'

function greeting(now: Date): string {
  const hour = now.getHours()
  if (hour < 12) return 'Good morning'
  if (hour < 18) return 'Good afternoon'
  return 'Good evening'
}

const ROLE_LINE: Record<Role, (org: string) => string> = {
  learner: (org) => `You are learning in ${org}.`,
  mentor: (org) => `You are a mentor in ${org}.`,
  org_admin: (org) => `You run ${org}.`,
}

function NoOrganisation() {
  return (
    <EmptyState
      icon={<MailIcon />}
      title="Join an organisation to start learning"
      message="Your school or company sends you an invitation link: open it to join. Running a class or a team? Create an organisation and invite your people."
      action={<ButtonLink to="/orgs/new">Create an organisation</ButtonLink>}
    />
  )
}

/** `progress`: the learner's progress widgets, composed in by the routes (features do not import each other). */
export default function HomePage({ progress }: { progress?: React.ReactNode }) {
  const { me, role } = useAuth()
  if (!me) return <PageSpinner label="Loading your home" />
  const org = me.active_organisation
  const firstName = me.display_name.split(' ')[0] ?? me.display_name
  return (
    <Page
      title={`${greeting(new Date())}, ${firstName}`}
      description={org ? ROLE_LINE[role ?? 'learner'](org.name) : 'Welcome to StarGuide.'}
    >
      {!org ? (
        <NoOrganisation />
      ) : (
        <>
          {role === 'org_admin' && (
            <section aria-labelledby="setup-title" className="rounded-xl border border-brand-100 bg-brand-50 p-5 dark:border-brand-800 dark:bg-slate-900">
              <h2 id="setup-title" className="text-lg font-semibold">
                Set up {org.name}
              </h2>
              <p className="mt-1 text-sm text-slate-800 dark:text-slate-300">
                Invite mentors and learners; give each the role they need.
              </p>
              <div className="mt-4 flex flex-wrap gap-2">
                <ButtonLink to="/admin/invitations">Invite people</ButtonLink>
                <ButtonLink variant="secondary" to="/admin/members">
                  Manage members
                </ButtonLink>
              </div>
            </section>
          )}
          {progress}
          <div className="grid gap-4 md:grid-cols-2">
            <section aria-labelledby="courses-title" className="space-y-2">
              <h2 id="courses-title" className="font-semibold">
                Your courses
              </h2>
              {role === 'learner' ? (
                <EmptyState
                  icon={<BookIcon />}
                  title="Lessons and quizzes"
                  message="Your courses, with your progress, and the quizzes assigned to you."
                  action={<ButtonLink to="/courses">Open your courses</ButtonLink>}
                />
              ) : (
                <EmptyState
                  icon={<BookIcon />}
                  title="Write and assign"
                  message="Write courses and lessons, build question banks and quizzes, and assign them to learners."
                  action={<ButtonLink to="/author/courses">Course authoring</ButtonLink>}
                />
              )}
            </section>
            <section aria-labelledby="mentor-title" className="space-y-2">
              <h2 id="mentor-title" className="font-semibold">
                Your mentor
              </h2>
              <EmptyState
                icon={<ChatIcon />}
                title="Your AI mentor is on its way"
                message="Soon you can ask questions about your lessons. It gives hints first, so you learn by thinking it through."
              />
            </section>
          </div>
        </>
      )}
    </Page>
  )
}
