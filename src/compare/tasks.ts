// The built-in comparison tasks by name.
import { addingTask } from './adding.js'
import type { Task } from './task.js'

export const TASK_NAMES = ['adding', 'reber', 'copy', 'text'] as const
export type TaskName = (typeof TASK_NAMES)[number]

/** The task called `name`; the text task needs the text to model. */
export function taskByName(name: TaskName, { text }: { text?: string } = {}): Task {
  switch (name) {
    case 'adding':
      return addingTask
    default:
      throw new Error(`compare: the ${name} task is not available yet${text === undefined ? '' : ''}`)
  }
}
