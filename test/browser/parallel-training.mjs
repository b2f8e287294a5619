// Data-parallel training in Chromium on the browser bundle: on a cross-origin isolated page (served with
// COOP and COEP), trainLanguageModel({ workers: 2 }) trains in two module workers on dist/browser/train-worker.js
// and gives one thread's losses to float32 rounding; on a page that is not isolated it trains in the page's
// thread and its notice says why.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }

const html = `<!doctype html><meta charset="utf-8"><title>parallel training</title><script type="module">
  import { LanguageModel, Adam, trainLanguageModel, manualSeed } from './seqgrad.min.js'
  const ids = Int32Array.from({ length: 8 * 40 }, (_, i) => (i * 7 + (i >> 3)) % 11)
  const run = async (workers) => {
    manualSeed(1)
    const model = new LanguageModel({ vocabSize: 11, embeddingDim: 5, hiddenSize: 7 })
    const optimizer = new Adam(model.parameters(), { lr: 0.01 })
    const r = await trainLanguageModel({ model, optimizer, train: ids, batchSize: 8, bptt: 8, steps: 6, clipNorm: 1, workers })
    return { threads: r.threads, notice: r.notice ?? null, losses: r.history.map((h) => h.loss) }
  }
  try {
    window.parallelResult = { isolated: crossOriginIsolated, runs: [await run(1), await run(2)] }
  } catch (error) {
    window.parallelResult = { error: String(error && error.stack || error) }
  }
</script>`

/** Runs the page on an isolated origin and on one that is not; returns what each gave. */
export async function parallelInChromium(/** @type {import('playwright-core').BrowserContext} */ context, /** @type {string} */ root) {
  const files = { '/seqgrad.min.js': join(root, 'dist', 'browser', 'seqgrad.min.js'), '/train-worker.js': join(root, 'dist', 'browser', 'train-worker.js') }
  const results = []
  for (const isolated of [true, false]) {
    // localhost is a secure context, which cross-origin isolation needs; the route answers, not a server
    const origin = isolated ? 'http://localhost:9' : 'http://127.0.0.1:9'
    const headers = isolated ? ISOLATION : {}
    const page = await context.newPage()
    try {
      await page.route(`${origin}/**`, async (route) => {
        const path = new URL(route.request().url()).pathname
        if (path === '/') return route.fulfill({ status: 200, contentType: 'text/html', headers, body: html })
        if (path in files) return route.fulfill({ status: 200, contentType: 'text/javascript', headers, body: await readFile(files[path]) })
        return route.fulfill({ status: 404, body: 'not found' })
      })
      await page.goto(`${origin}/`)
      const handle = await page.waitForFunction(() => /** @type {{ parallelResult?: unknown }} */ (window).parallelResult, null, { timeout: 30_000 })
      const result = await handle.jsonValue()
      if (result.error) throw new Error(`parallel training failed in Chromium: ${result.error}`)
      const [one, two] = result.runs
      assert.equal(result.isolated, isolated)
      assert.equal(one.threads, 1)
      if (isolated) {
        assert.deepEqual([two.threads, two.notice], [2, null])
        for (let i = 0; i < one.losses.length; i++) assert.ok(Math.abs(two.losses[i] - one.losses[i]) < 1e-5, `step ${i + 1}: ${two.losses[i]} in two workers, ${one.losses[i]} in one thread`)
      } else {
        assert.equal(two.threads, 1)
        assert.match(two.notice, /^SharedArrayBuffer is not available \(the page is not cross-origin isolated/)
        assert.deepEqual(two.losses, one.losses)
      }
      results.push(result)
    } finally {
      await page.close().catch(() => {})
    }
  }
  return results
}
