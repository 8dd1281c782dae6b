/** For mentors: the learners of the courses they teach (admins: every learner), each opening their progress. */
import { Link } from 'react-router'
import { errorMessage } from '@/api/problem'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { useLearners } from './api'

export default function LearnersPage() {
  const learners = useLearners()
  return (
    <Page title="Learners" description="Learners enrolled in the courses you teach. Open one to see their progress.">
      {learners.isPending ? (
        <SkeletonRows rows={4} label="Loading learners" />
      ) : learners.isError ? (
        <ErrorState title="Learners could not be loaded" message={errorMessage(learners.error)} onRetry={() => void learners.refetch()} />
      ) : learners.data.length === 0 ? (
        <EmptyState title="No learners yet" message="Learners appear here once they are enrolled in a course you teach: one you created or joined." />
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <table className="w-full min-w-[32rem] text-left text-sm">
            <thead className="border-b border-slate-200 text-slate-700 dark:border-slate-800 dark:text-slate-300">
              <tr>
                <th scope="col" className="px-4 py-2">Learner</th>
                <th scope="col" className="px-4 py-2">Level</th>
                <th scope="col" className="px-4 py-2 text-right">XP</th>
                <th scope="col" className="px-4 py-2">Streak</th>
                <th scope="col" className="px-4 py-2">Last active</th>
              </tr>
            </thead>
            <tbody>
              {learners.data.map((l) => (
                <tr key={l.learner_id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                  <td className="px-4 py-2">
                    <Link to={`/learners/${l.learner_id}`} className="font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300">
                      {l.display_name}
                    </Link>
                  </td>
                  <td className="px-4 py-2">{l.level}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{l.xp_total.toLocaleString()}</td>
                  <td className="px-4 py-2">{l.streak_current} d</td>
                  <td className="px-4 py-2">{l.last_active_day ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  )
}
