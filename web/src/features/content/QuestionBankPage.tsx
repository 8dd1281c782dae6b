/** A course's question bank: list and filter, add and edit (each edit a new version), archive, GIFT import. */
import { type FormEvent, useId, useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { Dialog } from '@/components/Dialog'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { SelectField } from '@/components/Field'
import { BookIcon } from '@/components/icons'
import { Card, Page } from '@/components/Page'
import { PageSpinner, SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import {
  giftErrors,
  QUESTION_TYPE_LABELS,
  type QuestionRead,
  type QuestionType,
  useArchiveQuestion,
  useCourse,
  useImportGift,
  useQuestions,
  useSaveQuestion,
  useSkills,
} from './api'
import { QuestionEditor } from './QuestionEditor'

const MAX_GIFT_BYTES = 1_000_000

function GiftImport({ courseId }: { courseId: string }) {
  const gift = useImportGift(courseId)
  const toast = useToast()
  const id = useId()
  const fileInput = useRef<HTMLInputElement>(null)
  const [source, setSource] = useState('')
  const [localError, setLocalError] = useState<string | null>(null)
  const lineErrors = giftErrors(gift.error)

  async function onFile(file: File | undefined) {
    setLocalError(null)
    if (!file) return
    if (file.size > MAX_GIFT_BYTES) return setLocalError('The file is larger than 1 MB.')
    setSource(await file.text())
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    if (!source.trim()) return setLocalError('Choose a GIFT file or paste its text.')
    setLocalError(null)
    gift.mutate(source, {
      onSuccess: (result) => {
        toast.success(`${result.created} question${result.created === 1 ? '' : 's'} imported.`)
        setSource('')
        if (fileInput.current) fileInput.current.value = ''
      },
    })
  }

  return (
    <Card title="Import from Moodle GIFT" description="All questions of the file are imported, or none: every error is listed with its line.">
      <form noValidate onSubmit={onSubmit} className="space-y-3">
        <div className="space-y-1">
          <label htmlFor={`${id}-file`} className="block text-sm font-medium">
            GIFT file
          </label>
          <input
            id={`${id}-file`}
            ref={fileInput}
            type="file"
            accept=".gift,.txt,text/plain"
            onChange={(e) => void onFile(e.target.files?.[0])}
            className="block w-full text-sm file:mr-3 file:rounded-lg file:border-0 file:bg-slate-200 file:px-3 file:py-2 dark:file:bg-slate-800"
          />
        </div>
        <div className="space-y-1">
          <label htmlFor={`${id}-source`} className="block text-sm font-medium">
            GIFT text
          </label>
          <textarea
            id={`${id}-source`}
            value={source}
            onChange={(e) => setSource(e.target.value)}
            rows={5}
            className="block w-full rounded-lg border border-slate-400 bg-white px-3 py-2 font-mono text-sm dark:border-slate-500 dark:bg-slate-900"
          />
        </div>
        {(localError || (gift.isError && !lineErrors.length)) && (
          <p role="alert" className="text-sm font-medium text-red-700 dark:text-red-400">
            {localError ?? errorMessage(gift.error)}
          </p>
        )}
        {lineErrors.length > 0 && (
          <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            <p className="font-semibold">{errorMessage(gift.error)}</p>
            <ul aria-label="Errors in the GIFT file" className="mt-2 list-disc space-y-1 pl-5">
              {lineErrors.map((e, i) => (
                <li key={i}>
                  Line {e.line}: {e.message}
                </li>
              ))}
            </ul>
          </div>
        )}
        <Button type="submit" variant="secondary" pending={gift.isPending}>
          Import questions
        </Button>
      </form>
    </Card>
  )
}

export default function QuestionBankPage() {
  const { courseId = '' } = useParams()
  const course = useCourse(courseId)
  const [type, setType] = useState<QuestionType | ''>('')
  const questions = useQuestions(courseId, type)
  const skills = useSkills(courseId)
  const save = useSaveQuestion(courseId)
  const archive = useArchiveQuestion()
  const toast = useToast()
  // `null`: a new question; undefined: no editor open.
  const [editing, setEditing] = useState<QuestionRead | null | undefined>(undefined)
  const [archiving, setArchiving] = useState<QuestionRead | null>(null)

  if (course.isPending) return <PageSpinner label="Loading the course" />
  if (course.isError) return <ErrorState page message={errorMessage(course.error)} onRetry={() => void course.refetch()} />

  const columns: Column<QuestionRead>[] = [
    {
      key: 'text',
      header: 'Question',
      cell: (q) => (
        <div className="max-w-md">
          <p className="line-clamp-2">{String((q.question as { text?: unknown }).text ?? q.key)}</p>
          <p className="text-xs text-slate-600 dark:text-slate-400">
            {q.key} · version {q.version}
          </p>
        </div>
      ),
    },
    { key: 'type', header: 'Type', cell: (q) => QUESTION_TYPE_LABELS[q.type as QuestionType] ?? q.type },
    { key: 'difficulty', header: 'Difficulty', cell: (q) => q.difficulty },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      cell: (q) => (
        <div className="flex gap-1">
          <Button variant="ghost" onClick={() => setEditing(q)} aria-label={`Edit question ${q.key}`}>
            Edit
          </Button>
          <Button variant="ghost" onClick={() => setArchiving(q)} aria-label={`Archive question ${q.key}`}>
            Archive
          </Button>
        </div>
      ),
    },
  ]

  return (
    <Page
      title="Question bank"
      description={
        <Link to={`/author/courses/${courseId}`} className="text-brand-700 underline dark:text-brand-300">
          {course.data.title}
        </Link>
      }
      actions={
        <div className="flex flex-wrap gap-2">
          <Button onClick={() => setEditing(null)} disabled={editing !== undefined}>
            New question
          </Button>
          <ButtonLink variant="secondary" to={`/author/quizzes/new?course=${courseId}`}>
            Build a quiz
          </ButtonLink>
        </div>
      }
    >
      {editing !== undefined && (
        <Card title={editing ? `Edit question ${editing.key}` : 'New question'}>
          <QuestionEditor
            key={editing?.id ?? 'new'}
            question={editing}
            skills={skills.data ?? []}
            pending={save.isPending}
            onCancel={() => setEditing(undefined)}
            onSave={async (body) => {
              const saved = await save.mutateAsync({ id: editing?.id ?? null, body })
              toast.success(editing ? `Question saved (version ${saved.version}).` : 'Question added.')
              setEditing(undefined)
            }}
          />
        </Card>
      )}
      <div className="max-w-xs">
        <SelectField
          label="Type"
          value={type}
          onChange={(e) => setType(e.target.value as QuestionType | '')}
          options={[
            { value: '', label: 'All types' },
            ...Object.entries(QUESTION_TYPE_LABELS).map(([value, label]) => ({ value, label })),
          ]}
        />
      </div>
      {questions.isPending && <SkeletonRows rows={4} label="Loading questions" />}
      {questions.isError && <ErrorState message={errorMessage(questions.error)} onRetry={() => void questions.refetch()} />}
      {questions.data && questions.data.items.length === 0 && (
        <EmptyState
          icon={<BookIcon />}
          title={type ? 'No question of this type' : 'No questions yet'}
          message={type ? 'Try another type.' : 'Add questions one by one or import a GIFT file.'}
        />
      )}
      {questions.data && questions.data.items.length > 0 && (
        <>
          <Table caption="Questions" columns={columns} rows={questions.data.items} rowKey={(q) => q.id} />
          {questions.data.total > questions.data.items.length && (
            <p className="text-sm">
              Showing {questions.data.items.length} of {questions.data.total} questions; filter by type to see others.
            </p>
          )}
        </>
      )}
      <GiftImport courseId={courseId} />
      <Dialog
        open={archiving !== null}
        title="Archive this question?"
        onClose={() => setArchiving(null)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setArchiving(null)}>
              Cancel
            </Button>
            <Button
              variant="danger"
              pending={archive.isPending}
              onClick={() =>
                archiving &&
                archive.mutate(archiving.id, {
                  onSuccess: () => {
                    toast.success('Question archived.')
                    setArchiving(null)
                  },
                  onError: (error) => toast.error(errorMessage(error)),
                })
              }
            >
              Archive
            </Button>
          </>
        }
      >
        <p className="text-sm">
          It leaves quizzes drawn at random and search. Past attempts keep it, and their grades do not change.
        </p>
      </Dialog>
    </Page>
  )
}
