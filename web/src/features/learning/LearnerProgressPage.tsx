/** For mentors: one learner's progress, with the same widgets the learner sees, their skills and badges. */
import { useParams } from 'react-router'
import { ButtonLink } from '@/components/Button'
import { Page } from '@/components/Page'
import { useLearners } from './api'
import { BadgeCatalogue } from './BadgesPage'
import { ProgressOverview } from './ProgressOverview'
import { SkillsView } from './SkillsPage'

export default function LearnerProgressPage() {
  const { learnerId = '' } = useParams()
  const learners = useLearners()
  const name = learners.data?.find((l) => l.learner_id === learnerId)?.display_name ?? 'Learner'
  return (
    <Page
      title={`Progress: ${name}`}
      actions={
        <ButtonLink variant="secondary" to="/learners">
          All learners
        </ButtonLink>
      }
    >
      <ProgressOverview learnerId={learnerId} />
      <section aria-labelledby="learner-skills" className="space-y-3">
        <h2 id="learner-skills" className="text-xl font-semibold">
          Skills
        </h2>
        <SkillsView learnerId={learnerId} />
      </section>
      <section aria-labelledby="learner-badges" className="space-y-3">
        <h2 id="learner-badges" className="text-xl font-semibold">
          Badges
        </h2>
        <BadgeCatalogue learnerId={learnerId} />
      </section>
    </Page>
  )
}
