import { describe, expect, it } from 'vitest'
import { visibleNav } from './AppShell'

const labels = (role: Parameters<typeof visibleNav>[0]) => visibleNav(role).map((item) => item.label)

describe('navigation by role', () => {
  it('shows each role only what it may use', () => {
    const learning = ['Courses', 'Quizzes']
    const authoring = ['Course authoring', 'Quiz builder']
    expect(labels('learner')).toEqual(['Home', ...learning, 'Organisations', 'Profile', 'Security'])
    expect(labels('mentor')).toEqual(['Home', ...learning, ...authoring, 'Members', 'Organisations', 'Profile', 'Security'])
    expect(labels('org_admin')).toEqual([
      'Home',
      ...learning,
      ...authoring,
      'Members',
      'Invitations',
      'Organisations',
      'Profile',
      'Security',
    ])
    expect(labels(null)).toEqual(['Home', 'Organisations', 'Profile', 'Security'])
  })
})
