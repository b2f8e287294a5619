// The built-in comparison tasks by name, and by reference (TaskRef: what a unit of work carries, so that a
// worker thread can rebuild the task it runs).
import { addingTask } from './adding.js'
import { copyTask } from './copy.js'
import { reberTask } from './reber.js'
import type { Task, TaskRef } from './task.js'
import { textTask } from './text.js'
import { checkOptionKeys } from '../validation/checks.js'

export const TASK_NAMES = ['adding', 'reber', 'copy', 'text'] as const
export type TaskName = (typeof TASK_NAMES)[number]

/** The task called `name`; the text task needs the text to model. */
export function taskByName(name: TaskName, opts: { text?: string } = {}): Task {
  checkOptionKeys('taskByName', opts, ['text'])
  const { text } = opts
  switch (name) {
    case 'adding':
      return addingTask
    case 'reber':
      return reberTask
    case 'copy':
      return copyTask
    case 'text':
      if (text === undefined) throw new Error('compare: the text task needs the text to model: --data FILE is required')
      return textTask(text)
    default:
      throw new Error(`compare: unknown task '${String(name)}' (expected one of ${TASK_NAMES.join(', ')})`)
  }
}

// The last text task built: a worker rebuilds it once, not once per unit (tokenizing a long text costs).
let lastText: { text: string; task: Task } | null = null

/** The task a TaskRef names. */
export function resolveTask(ref: TaskRef): Task {
  if (ref.name !== 'text') return taskByName(ref.name)
  if (lastText === null || lastText.text !== ref.text) lastText = ref.text === undefined ? null : { text: ref.text, task: taskByName('text', { text: ref.text }) }
  return lastText?.task ?? taskByName('text', { text: ref.text })
}
