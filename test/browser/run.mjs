// The demo page in a real browser: Debian's Chromium driven by playwright-core. It serves web/, checks
// that bad input gets a clear message, trains a small LSTM and checks that the loss falls while the page
// keeps answering clicks, runs gradcheck, round-trips the weights through a safetensors file, draws the
// gate heat maps, saves screenshots under test/artifacts/, and fails if anything reached the console as
// an error. It also runs the runtime conformance scenario (test/runtimes/conformance.mjs) on the browser
// bundle in a page of its own, which must take the SIMD path and give Node's numbers bit for bit, and
// data-parallel training in two module workers (test/browser/parallel-training.mjs).
// Usage: node test/browser/run.mjs (npm run test:browser).
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import compare from '../runtimes/compare.cjs'
import { conformance } from '../runtimes/conformance.mjs'
import { comparePanel } from './compare-panel.mjs'
import { parallelInChromium } from './parallel-training.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const artifacts = join(root, 'test', 'artifacts')
const BUNDLE = join(root, 'dist', 'browser', 'seqgrad.min.js')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TOTAL_MS = 120_000
const started = Date.now()

const log = (/** @type {string} */ line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`)

function ensureBundle() {
  if (existsSync(BUNDLE)) return
  const script = join(root, 'scripts', 'build-browser.mjs')
  if (!existsSync(script)) throw new Error(`${BUNDLE} is missing and there is no scripts/build-browser.mjs to build it; build the browser bundle first (npm run build:browser)`)
  log('building the browser bundle (npm run build:browser)')
  const result = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0 || !existsSync(BUNDLE)) throw new Error(`scripts/build-browser.mjs did not produce ${BUNDLE} (exit ${result.status})`)
}

/** Starts web/serve.mjs on a free port; resolves with the URL it prints. */
function startServer() {
  const child = spawn(process.execPath, [join(root, 'web', 'serve.mjs'), '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const url = new Promise((resolveUrl, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`web/serve.mjs printed no URL within 10 s (stdout: ${out}, stderr: ${err})`)), 10_000)
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /http:\/\/localhost:\d+\//.exec(out)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[0])
      }
    })
    child.stderr.on('data', (chunk) => {
      err += chunk
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`web/serve.mjs exited with code ${code}: ${err}`))
    })
  })
  return { child, url }
}

/** A safetensors file of float32 tensors, written by hand (no metadata): for the mismatch case. */
function safetensors(/** @type {Record<string, number[]>} */ tensors) {
  let offset = 0
  const header = {}
  const chunks = []
  for (const [name, values] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: [values.length], data_offsets: [offset, offset + 4 * values.length] }
    offset += 4 * values.length
    chunks.push(Buffer.from(new Float32Array(values).buffer))
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - (json.length % 8)) % 8)
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(json.length))
  return Buffer.concat([length, Buffer.from(json), ...chunks])
}

/** The last number in a text ("(step 1: 3.934)" → 3.934; "10,131" → 10131), or NaN. */
const number = (/** @type {string | null} */ text) => Number([...(text ?? '').replaceAll(',', '').matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)].pop()?.[0] ?? NaN)

async function scenario(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ url, /** @type {string} */ scratch) {
  const seen = {}
  const message = (/** @type {string} */ id) => page.locator(`#${id}`)
  const expectMessage = async (/** @type {string} */ id, /** @type {RegExp} */ pattern, /** @type {string} */ what) => {
    const el = message(id)
    await el.filter({ hasText: pattern }).waitFor({ timeout: 10_000 }).catch(async () => {
      throw new Error(`${what}: expected #${id} to match ${pattern}, but it says ${JSON.stringify(await el.textContent())}`)
    })
    const text = (await el.textContent()) ?? ''
    log(`${what}: "${text.split('\n')[0]}"`)
    return text
  }

  await page.goto(url)
  await expectMessage('train-message', /Ready/, 'page ready')

  // --- the generated samples come from the library: embedded Reber strings, balanced brackets
  await page.selectOption('#sample', 'reber')
  await page.waitForFunction(() => /** @type {HTMLTextAreaElement} */ (document.querySelector('#text')).value.startsWith('B'))
  const reberLines = (await page.inputValue('#text')).trim().split('\n')
  const embedded = /^B([TP])B(.*)E\1E$/
  assert.equal(reberLines.length, 220, 'the Reber sample has 220 strings')
  for (const line of reberLines) assert.match(line, embedded, `an embedded Reber string: ${line}`)
  assert.ok(new Set(reberLines.map((line) => line[1])).size === 2, 'both branches (T and P) occur')
  await page.selectOption('#sample', 'brackets')
  await page.waitForFunction(() => /^[([{<]/.test(/** @type {HTMLTextAreaElement} */ (document.querySelector('#text')).value))
  for (const line of (await page.inputValue('#text')).trim().split('\n')) {
    const open = []
    for (const ch of line) {
      if ('([{<'.includes(ch)) open.push(')]}>'['([{<'.indexOf(ch)])
      else assert.equal(ch, open.pop(), `balanced brackets: ${line}`)
    }
    assert.equal(open.length, 0, `every bracket closed: ${line}`)
  }
  log(`generated samples: ${reberLines.length} Reber strings (first ${reberLines[0]}), balanced brackets`)

  // --- bad input: each gets a clear message, and the page keeps working
  await page.selectOption('#sample', 'custom')
  await page.click('#train')
  seen.empty = await expectMessage('train-message', /text is empty/, 'empty text')
  assert.equal(await message('train-message').getAttribute('class'), 'message error')

  await page.fill('#text', 'a'.repeat(2000))
  await page.click('#train')
  seen.oneChar = await expectMessage('train-message', /only one distinct character/, 'one distinct character')

  await page.fill('#text', 'abcabcabc')
  await page.click('#train')
  seen.short = await expectMessage('train-message', /needs at least/, 'text too short')

  await page.selectOption('#sample', 'sonnets')
  await page.fill('#hiddenSize', '100000')
  await page.fill('#learningRate', '0')
  await page.fill('#steps', '2.5')
  await page.click('#train')
  seen.sizes = await expectMessage('train-message', /Hidden size must be from 2 to 256/, 'sizes out of range')
  assert.match(seen.sizes, /Learning rate must be from 0.00001 to 1/)
  assert.match(seen.sizes, /Steps must be a whole number/)
  assert.equal(await page.getAttribute('#hiddenSize', 'aria-invalid'), 'true')

  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('These are notes, not weights.\n') })
  seen.notSafetensors = await expectMessage('weights-message', /notes\.txt is not a safetensors file/, 'non-safetensors file chosen')

  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer()
    dt.items.add(new File([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])], 'random.safetensors'))
    return dt
  })
  await page.dispatchEvent('#drop', 'drop', { dataTransfer })
  seen.dropped = await expectMessage('weights-message', /random\.safetensors is not a safetensors file/, 'non-safetensors file dropped')

  await page.setInputFiles('#file', { name: 'foreign.safetensors', mimeType: 'application/octet-stream', buffer: safetensors({ 'decoder.bias': [1, 2, 3] }) })
  seen.noModel = await expectMessage('weights-message', /no metadata from this page.*train one first/, 'foreign weights before any model')

  // --- train a small LSTM
  await page.check('input[name="cell"][value="lstm"]')
  const settings = { hiddenSize: '32', embeddingDim: '16', numLayers: '1', seqLength: '32', batchSize: '16', learningRate: '0.01', steps: '300' }
  for (const [id, value] of Object.entries(settings)) await page.fill(`#${id}`, value)
  await page.click('#train')
  await expectMessage('train-message', /Training LSTM/, 'training started')
  await page.locator('#stat-loss-first').filter({ hasText: /step 1/ }).waitFor({ timeout: 20_000 })
  const firstLoss = number(await page.textContent('#stat-loss-first'))

  // the page answers a click while the worker trains
  await page.waitForFunction(() => Number(document.getElementById('stat-step')?.textContent?.split('/')[0]) >= 20, null, { timeout: 20_000 })
  const stepBefore = await page.textContent('#stat-step')
  const clickStart = Date.now()
  await page.click('#ping')
  await page.locator('#ping-count').filter({ hasText: /^1 click$/ }).waitFor({ timeout: 2_000 })
  const clickMs = Date.now() - clickStart
  const stopEnabled = await page.isEnabled('#stop')
  const stepAfter = await page.textContent('#stat-step')
  assert.ok(stopEnabled, 'training should still be running when the click is answered')
  log(`click answered in ${clickMs} ms while training (step ${stepBefore} → ${stepAfter})`)
  assert.ok(clickMs < 1500, `the click took ${clickMs} ms to show`)

  // gradcheck runs in its own worker while training goes on
  await page.click('#gradcheck')
  await page.locator('#check-verdict').filter({ hasText: /pass|FAIL|error/ }).waitFor({ timeout: 30_000 })
  const verdict = (await page.textContent('#check-verdict')) ?? ''
  const checkRows = await page.locator('#check-table tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent).join(' | ')))
  log(`gradcheck: "${verdict}"`)
  for (const row of checkRows) log(`  ${row}`)
  assert.match(verdict, /LSTM: pass/, `gradcheck should pass: ${verdict} ${await page.textContent('#check-message')}`)

  await page.locator('#train-message').filter({ hasText: /300 steps|failed/ }).waitFor({ timeout: 60_000 })
  const done = (await page.textContent('#train-message')) ?? ''
  assert.match(done, /300 steps/, `training should finish: ${done}`)
  const lastLoss = number(await page.textContent('#stat-loss'))
  const shownTps = number(await page.textContent('#stat-tps'))
  const runTps = number(/([\d,]+) tokens\/s/.exec(done)?.[1] ?? '')
  log(`training done: "${done}"`)
  const fps = await page.textContent('#stat-fps')
  const sampleText = (await page.textContent('#sample-text')) ?? ''
  log(`loss first ${firstLoss.toFixed(3)} → last ${lastLoss.toFixed(3)} (smoothed); tokens/s shown ${shownTps}, over the run ${runTps}; page frames/s ${fps}`)
  log(`sample: ${JSON.stringify(sampleText.slice(0, 120))}`)
  assert.ok(Number.isFinite(firstLoss) && Number.isFinite(lastLoss), `losses should be numbers: ${firstLoss}, ${lastLoss}`)
  assert.ok(lastLoss < firstLoss - 0.5, `the loss should fall: first ${firstLoss}, last ${lastLoss}`)
  assert.ok(shownTps > 0 && runTps > 0, 'tokens/s should be shown')
  assert.ok(sampleText.length > 50, 'a generated sample should be shown')

  // --- weights: download, load back as a new model, and a file whose shapes do not fit
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')])
  const saved = join(scratch, download.suggestedFilename())
  await download.saveAs(saved)
  const bytes = await readFile(saved)
  const headerLength = Number(bytes.readBigUInt64LE(0))
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'))
  assert.equal(header.__metadata__?.cell, 'lstm')
  assert.deepEqual(header['rnn.weight_hh_l0']?.shape, [128, 32])
  log(`downloaded ${download.suggestedFilename()} (${bytes.length} bytes, ${Object.keys(header).length - 1} tensors)`)
  await page.setInputFiles('#file', saved)
  seen.loaded = await expectMessage('weights-message', /Loaded seqgrad-lstm-h32\.safetensors as #2/, 'weights loaded back')
  await page.setInputFiles('#file', { name: 'foreign.safetensors', mimeType: 'application/octet-stream', buffer: safetensors({ 'decoder.bias': [1, 2, 3] }) })
  seen.mismatch = await expectMessage('weights-message', /does not fit #2 .*missing keys/, 'mismatched weights')

  // --- gates of the reloaded model (the same weights as the trained one)
  await page.fill('#prompt', 'Shall I compare thee to a summer\'s day?\nThou art more lovely and more temperate:')
  await page.click('#show-gates')
  await page.locator('#gates-message').filter({ hasText: /characters|Could not/ }).waitFor({ timeout: 20_000 })
  const gatesMessage = (await page.textContent('#gates-message')) ?? ''
  log(`gates: "${gatesMessage}"`)
  assert.doesNotMatch(gatesMessage, /Could not/, 'the gate heat maps should draw')
  const gates = await page.locator('#heatmaps figure').evaluateAll((figures) => figures.map((f) => /** @type {HTMLElement} */ (f).dataset.gate))
  assert.deepEqual(gates, ['i', 'f', 'o', 'g', 'c'])
  await page.selectOption('#units', 'saturated:32')
  await page.locator('#heatmaps figure[data-gate="c"] canvas').click({ position: { x: 60, y: 20 } })
  await page.locator('#unit-text .unit-text').waitFor({ timeout: 5_000 })
  await page.mouse.move(0, 0)
  await mkdir(artifacts, { recursive: true })
  await page.locator('#gates').screenshot({ path: join(artifacts, 'gates.png') })
  await page.screenshot({ path: join(artifacts, 'demo.png'), fullPage: true })
  log('screenshots: test/artifacts/demo.png, test/artifacts/gates.png')

  await page.fill('#prompt', 'an unknown character: ☃')
  await page.click('#show-gates')
  seen.unknownChar = await expectMessage('gates-message', /unknown character '☃'/, 'prompt with an unknown character')

  // --- Stop ends a long run early, and the page is ready for the next
  await page.fill('#steps', '20000')
  await page.click('#train')
  await page.waitForFunction(() => Number(document.getElementById('stat-step')?.textContent?.split('/')[0]) >= 5, null, { timeout: 20_000 })
  await page.click('#stop')
  seen.stopped = await expectMessage('train-message', /stopped at step \d+/, 'stop')
  assert.ok(await page.isEnabled('#train'), 'Train should be enabled again after Stop')
  seen.compare = await comparePanel(page, { log, artifacts })
  return { firstLoss, lastLoss, shownTps, runTps, verdict, seen }
}

/** How the page's numbers were held to Node's: bit for bit only when both ran the exact (non-FMA) SIMD kernels. */
function agreement(node, result) {
  const kernels = `SIMD kernels (${result.kernels}${result.fma ? ', relaxed-SIMD multiply-add' : ''})`
  return node.simd && result.simd && !node.fma && !result.fma ? `${kernels}, Node's numbers bit for bit` : `${kernels}, Node's numbers to float32 rounding (tolerance ${compare.TOLERANCE})`
}

/**
 * The runtime conformance scenario on the browser bundle, in a page of its own (served by routing, so the
 * demo's server stays as it is): the SIMD kernels seqgrad compiles at load time, and Node's numbers (bit for bit on
 * the exact kernels, to float32 rounding with the multiply-add: test/runtimes/compare.cjs). Node's run is this process, on the package's ESM build.
 */
async function conformanceInChromium(/** @type {import('playwright-core').BrowserContext} */ context) {
  const origin = 'http://conformance.seqgrad.test'
  const files = {
    '/seqgrad.min.js': BUNDLE,
    '/conformance.mjs': join(root, 'test', 'runtimes', 'conformance.mjs'),
  }
  const html = `<!doctype html><meta charset="utf-8"><title>conformance</title><script type="module">
    import * as seqgrad from './seqgrad.min.js'
    import { conformance } from './conformance.mjs'
    const version = /Chrome\\/([\\d.]+)/.exec(navigator.userAgent)?.[1] ?? navigator.userAgent
    try {
      window.conformanceResult = conformance(seqgrad, { runtime: \`chromium \${version}\`, kernels: 'emitted' })
    } catch (error) {
      window.conformanceResult = { error: String(error && error.stack || error) }
    }
  </script>`
  const page = await context.newPage()
  try {
    await page.route(`${origin}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname
      if (path === '/') return route.fulfill({ status: 200, contentType: 'text/html', body: html })
      if (path in files) return route.fulfill({ status: 200, contentType: 'text/javascript', body: await readFile(files[path]) })
      return route.fulfill({ status: 404, body: 'not found' })
    })
    await page.goto(`${origin}/`)
    const handle = await page.waitForFunction(() => /** @type {{ conformanceResult?: unknown }} */ (window).conformanceResult, null, { timeout: 30_000 })
    const result = await handle.jsonValue()
    if (result.error) throw new Error(`the conformance scenario failed in Chromium: ${result.error}`)
    const seqgrad = await import('seqgrad')
    const node = conformance(seqgrad, { runtime: `node ${process.versions.node}`, kernels: 'emitted' })
    const problems = [...compare.kernelPathProblems(result), ...compare.compareWithNode(node, result)]
    assert.deepEqual(problems, [], `Chromium does not conform:\n${problems.join('\n')}`)
    log(`conformance: ${result.runtime}, ${agreement(node, result)} (losses ${result.losses[0].toFixed(4)} → ${result.losses[result.losses.length - 1].toFixed(4)}, generated ${JSON.stringify(result.text)})`)
    return { ...result, agreement: agreement(node, result) }
  } finally {
    await page.close().catch(() => {})
  }
}

/** The server answers with the right types and refuses paths outside web/ and dist/browser/. */
async function checkServer(/** @type {string} */ url) {
  const get = (/** @type {string} */ path) =>
    new Promise((resolveGet, reject) => {
      // raw paths: fetch() would normalise the dot segments away before they reach the server
      const request = http.get(new URL(url), { path }, (response) => {
        response.resume()
        resolveGet({ status: response.statusCode, type: response.headers['content-type'] ?? '' })
      })
      request.on('error', reject)
    })
  const expect = [
    ['/', 200, 'text/html'],
    ['/app.js', 200, 'text/javascript'],
    ['/style.css', 200, 'text/css'],
    ['/dist/seqgrad.min.js', 200, 'text/javascript'],
    // the URL parser folds these dot segments into web/ itself, where there is no package.json
    ['/../package.json', 404],
    ['/%2e%2e/package.json', 404],
    ['/dist/..%2f..%2fpackage.json', 403],
    ['/dist/%2e%2e%2fesm/index.js', 403],
    ['/serve.mjs', 403],
    ['/missing.js', 404],
  ]
  for (const [path, status, type] of expect) {
    const got = /** @type {{ status: number, type: string }} */ (await get(/** @type {string} */ (path)))
    assert.equal(got.status, status, `GET ${path}: expected ${status}, got ${got.status}`)
    if (type) assert.ok(got.type.startsWith(/** @type {string} */ (type)), `GET ${path}: expected ${type}, got ${got.type}`)
  }
  log(`server: ${expect.length} paths answered as expected (types, 403 outside its roots, 404)`)
}

async function main() {
  ensureBundle()
  const server = startServer()
  const scratch = await mkdtemp(join(tmpdir(), 'seqgrad-browser-'))
  /** @type {import('playwright-core').BrowserContext | undefined} */
  let context
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer
  /** @type {import('playwright-core').Page | undefined} */
  let page
  try {
    const url = await server.url
    log(`serving ${url}`)
    await checkServer(url)
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: true,
    })
    page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(20_000)
    /** @type {string[]} */
    const problems = []
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('crash', () => problems.push('the page crashed'))
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the browser test took longer than ${TOTAL_MS / 1000} s`)), TOTAL_MS - (Date.now() - started))
    })
    const result = await Promise.race([scenario(page, url, scratch), deadline]).catch(async (error) => {
      // what the page looked like when it failed, for whoever reads the log
      await mkdir(artifacts, { recursive: true })
      await page?.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true, timeout: 5_000 }).catch(() => {})
      if (problems.length > 0) error.message += `\nconsole errors so far:\n${problems.join('\n')}`
      throw error
    })
    assert.deepEqual(problems, [], `errors reached the console:\n${problems.join('\n')}`)
    const conforming = await Promise.race([conformanceInChromium(context), deadline])
    await Promise.race([parallelInChromium(context, root), deadline])
    log('parallel training: two module workers on a cross-origin isolated page, one thread (with its notice) on a page that is not')
    console.log(
      `\nbrowser test passed in ${((Date.now() - started) / 1000).toFixed(1)} s: LSTM loss ${result.firstLoss.toFixed(3)} → ${result.lastLoss.toFixed(3)}, ` +
        `${result.runTps.toLocaleString('en-US')} tokens/s in Chromium (last reading ${result.shownTps.toLocaleString('en-US')}), gradcheck "${result.verdict}", no console errors; ` +
        `conformance on ${conforming.runtime}: ${conforming.agreement}`,
    )
  } finally {
    clearTimeout(timer)
    await context?.close().catch(() => {})
    server.child.kill('SIGTERM')
    await rm(scratch, { recursive: true, force: true }).catch(() => {})
  }
}

main().catch((error) => {
  console.error(`\nbrowser test FAILED: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
