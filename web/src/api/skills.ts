/** A course's skills: tagged on lessons and questions (content) and drawn by (quizzes), so both read
 * them through this one query and share its cache. */
import { queryOptions, useQuery } from '@tanstack/react-query'
import { api, type GetResult } from './client'
import { unwrap } from './problem'

export type Skill = GetResult<'/api/v1/courses/{course_id}/skills'>[number]

export const skillsQueryOptions = (courseId: string) =>
  queryOptions({
    // Under 'content': any change to a course's content (skills included) refreshes it.
    queryKey: ['content', 'skills', courseId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/courses/{course_id}/skills', { params: { path: { course_id: courseId } }, signal })),
  })

export function useSkills(courseId: string) {
  return useQuery({ ...skillsQueryOptions(courseId), enabled: Boolean(courseId) })
}
