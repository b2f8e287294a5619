// @ts-check
// Talking to a module worker: requests with ids, answered by promises; events (messages without an id)
// go to a callback. The worker posts { event: 'ready' } once its imports have loaded.

export class WorkerClient {
  /**
   * @param {string} script the worker's file, next to this one ('worker.js')
   * @param {string} bundle the bundle it imports, for the message when it cannot load ('seqgrad.min.js')
   * @param {(event: any) => void} onEvent
   * @param {(message: string) => void} onFailure
   */
  constructor(script, bundle, onEvent, onFailure) {
    this.worker = new Worker(new URL(`./${script}`, import.meta.url), { type: 'module' })
    this.nextId = 1
    /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
    this.pending = new Map()
    this.ready = new Promise((resolve, reject) => {
      this.worker.addEventListener('message', (event) => {
        const data = event.data
        if (data.event === 'ready') resolve(undefined)
        else if (data.id !== undefined) {
          const waiting = this.pending.get(data.id)
          this.pending.delete(data.id)
          if (data.ok) waiting?.resolve(data.result)
          else waiting?.reject(new Error(data.error))
        } else onEvent(data)
      })
      this.worker.addEventListener('error', (event) => {
        // A module worker fails to start when the bundle is missing or broken: say so, once.
        event.preventDefault()
        const failure = new Error(`The worker stopped: ${event.message || `it could not load dist/${bundle}`}. Build the bundles with "npm run build:browser" and reload.`)
        for (const waiting of this.pending.values()) waiting.reject(failure)
        this.pending.clear()
        reject(failure)
        onFailure(failure.message)
      })
    })
    this.ready.catch(() => {}) // reported through onFailure
  }

  /** @param {string} type @param {unknown} [payload] @param {Transferable[]} [transfer] @returns {Promise<any>} */
  async call(type, payload, transfer = []) {
    await this.ready
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ id, type, payload }, transfer)
    })
  }
}
