/** A learner's progress at a glance: the home widgets, for the learner or for a mentor looking at them. */
import { errorMessage } from '@/api/problem'
import { ErrorState } from '@/components/ErrorState'
import { Skeleton } from '@/components/Spinner'
import { useHome } from './api'
import { DueReviews, GoalRing, LevelCard, RecentBadges, StreakCard, WhatNext } from './widgets'

export function ProgressOverview({ learnerId }: { learnerId?: string }) {
  const home = useHome(learnerId)
  const own = learnerId === undefined
  if (home.isPending) {
    return (
      <div role="status" aria-label="Loading progress" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-36" />
        ))}
      </div>
    )
  }
  if (home.isError) {
    return <ErrorState title="Progress could not be loaded" message={errorMessage(home.error)} onRetry={() => void home.refetch()} />
  }
  const h = home.data
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      <LevelCard level={h.level} />
      <StreakCard streak={h.streak} />
      <GoalRing goal={h.daily_goal} setting={h.settings.daily_goal_xp} editable={own} />
      <WhatNext items={h.what_next} editable={own} />
      <div className="space-y-4">
        <DueReviews count={h.due_reviews} editable={own} />
        <RecentBadges badges={h.recent_badges} allLink={own ? '/badges' : undefined} />
      </div>
    </div>
  )
}

/** The home screen's progress block (composed into the home page by the routes). */
export default function HomeProgress() {
  return <ProgressOverview />
}
