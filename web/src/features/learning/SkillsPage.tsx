/** Skill mastery: the estimate for each skill with its uncertainty, and each course's mastery. */
import { errorMessage } from '@/api/problem'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { BookIcon } from '@/components/icons'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type SkillMastery, useSkills } from './api'
import { Meter } from './widgets'

const pct = (x: number) => `${Math.round(x * 100)} %`

/** The estimate as a dot on its 90 % interval. */
function IntervalBar({ skill }: { skill: SkillMastery }) {
  return (
    <div
      role="img"
      aria-label={`About ${pct(skill.probability)}, likely between ${pct(skill.low)} and ${pct(skill.high)}`}
      className="relative h-3 w-full rounded-full bg-slate-200 dark:bg-slate-800"
    >
      <div
        className="absolute inset-y-0 rounded-full bg-brand-100 dark:bg-brand-800"
        style={{ left: `${skill.low * 100}%`, width: `${Math.max(1, (skill.high - skill.low) * 100)}%` }}
      />
      <div
        className="absolute top-1/2 size-3 -translate-x-1/2 -translate-y-1/2 rounded-full bg-brand-700 ring-2 ring-white dark:bg-brand-300 dark:ring-slate-900"
        style={{ left: `${skill.probability * 100}%` }}
      />
      <div aria-hidden="true" className="absolute inset-y-0 left-[80%] border-l-2 border-dashed border-emerald-700" />
    </div>
  )
}

function SkillRow({ skill }: { skill: SkillMastery }) {
  return (
    <li className="rounded-lg border border-slate-200 p-3 dark:border-slate-700">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-medium">{skill.name ?? 'Skill without a name'}</h3>
        <p className="text-sm">
          <span className="font-semibold">{pct(skill.probability)}</span>
          <span className="text-slate-700 dark:text-slate-300"> ({pct(skill.low)}–{pct(skill.high)})</span>
          {skill.mastered && (
            <span className="ml-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200">
              Mastered
            </span>
          )}
        </p>
      </div>
      <div className="mt-2">
        <IntervalBar skill={skill} />
      </div>
      <p className="mt-2 text-xs text-slate-700 dark:text-slate-300">
        {skill.correct} of {skill.attempts} right
        {skill.assisted_attempts > 0 && `, ${skill.assisted_attempts} with help`}
        {skill.crutch_index !== null && skill.crutch_index >= 0.2 && ' · Succeeds far more often with help than alone: practise it unaided.'}
      </p>
    </li>
  )
}

export function SkillsView({ learnerId }: { learnerId?: string }) {
  const skills = useSkills(learnerId)
  if (skills.isPending) return <SkeletonRows rows={4} label="Loading skills" />
  if (skills.isError) {
    return <ErrorState title="Skills could not be loaded" message={errorMessage(skills.error)} onRetry={() => void skills.refetch()} />
  }
  const { courses, skills: all } = skills.data
  if (all.length === 0) {
    return (
      <EmptyState
        icon={<BookIcon />}
        title="No skills practised yet"
        message="Each question trains one or more skills; after a few answers, your mastery of each appears here."
      />
    )
  }
  const groups = new Map<string, SkillMastery[]>()
  for (const skill of all) {
    const key = skill.course_id ?? ''
    groups.set(key, [...(groups.get(key) ?? []), skill])
  }
  const titleOf = (id: string) => courses.find((c) => c.course_id === id)?.title ?? (id ? 'Course' : 'Other skills')
  return (
    <div className="space-y-6">
      {courses.length > 0 && (
        <section aria-labelledby="course-mastery" className="space-y-3">
          <h2 id="course-mastery" className="text-lg font-semibold">
            Courses
          </h2>
          <ul className="grid gap-3 sm:grid-cols-2">
            {courses.map((c) => (
              <li key={c.course_id} className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <div className="flex items-baseline justify-between gap-2">
                  <h3 className="font-medium">{c.title ?? 'Course'}</h3>
                  <span className="font-semibold">{pct(c.mastery)}</span>
                </div>
                <Meter label={`${c.title ?? 'Course'} mastery`} value={Math.round(c.mastery * 100)} max={100} className="mt-2" />
                <p className="mt-1 text-xs text-slate-700 dark:text-slate-300">
                  {c.skills_mastered} of {c.skills} skills mastered
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}
      {[...groups.entries()].map(([courseId, list]) => (
        <section key={courseId || 'other'} aria-label={`Skills: ${titleOf(courseId)}`} className="space-y-3">
          <h2 className="text-lg font-semibold">{titleOf(courseId)}</h2>
          <ul className="space-y-2">
            {list.map((s) => (
              <SkillRow key={s.skill_id} skill={s} />
            ))}
          </ul>
        </section>
      ))}
      <p className="text-xs text-slate-700 dark:text-slate-300">
        The dot is the estimated chance of answering an average question of the skill right today; the band is where it
        lies with 90 % certainty, narrowing as you answer more. The dashed line marks 80 %: a skill is mastered when the
        estimate passes it and the band’s lower end is above 60 %.
      </p>
    </div>
  )
}

export default function SkillsPage() {
  return (
    <Page title="Skills" description="How well you master each skill, and how sure StarGuide is about it.">
      <SkillsView />
    </Page>
  )
}
