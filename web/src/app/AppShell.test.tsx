import { describe, expect, it } from 'vitest'
import { visibleNav } from './AppShell'

const labels = (role: Parameters<typeof visibleNav>[0]) => visibleNav(role).map((item) => item.label)

describe('navigation by role', () => {
  it('shows each role only what it may use', () => {
    const studying = ['Courses', 'Quizzes', 'Review', 'Skills', 'Badges', 'Leaderboards']
    const teaching = ['Learners', 'Course authoring', 'Quiz builder']
    expect(labels('learner')).toEqual(['Home', 'Mentor', ...studying, 'Organisations', 'Profile', 'Security'])
    expect(labels('mentor')).toEqual([
      'Home',
      'Mentor',
      ...studying,
      ...teaching,
      'Members',
      'Organisations',
      'Profile',
      'Security',
    ])
    expect(labels('org_admin')).toEqual([
      'Home',
      'Mentor',
      ...studying,
      ...teaching,
      'Members',
      'Invitations',
      'AI settings',
      'Organisations',
      'Profile',
      'Security',
    ])
    expect(labels(null)).toEqual(['Home', 'Organisations', 'Profile', 'Security'])
  })
})
