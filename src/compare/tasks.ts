// The built-in comparison tasks by name.
import { addingTask } from './adding.js'
import { copyTask } from './copy.js'
import { reberTask } from './reber.js'
import type { Task } from './task.js'
import { textTask } from './text.js'

export const TASK_NAMES = ['adding', 'reber', 'copy', 'text'] as const
export type TaskName = (typeof TASK_NAMES)[number]

/** The task called `name`; the text task needs the text to model. */
export function taskByName(name: TaskName, { text }: { text?: string } = {}): Task {
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
