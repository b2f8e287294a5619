// The demo page's Compare panel in Chromium (called from test/browser/run.mjs, on its page): a bad variant
// list gets the parser's own message and a bad number the field's range, with nothing run; the default
// comparison (adding problem, rnn,lstm,gru, 2 seeds) draws each cell's loss in its colour while it runs,
// with the page answering clicks, and ends with one table row per variant whose verdict is k of 2, the
// report's gradient-norm and metric charts and the claims; Stop ends a long run. Screenshot:
// test/artifacts/compare.png. Console errors are caught by run.mjs for the whole page.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'

/** Pixels of the canvas within a small distance of each colour (#rrggbb), counted in the page. */
async function colourPixels(/** @type {import('playwright-core').Page} */ page, /** @type {string[]} */ colours) {
  return page.evaluate((hexes) => {
    const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById('compare-chart'))
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'))
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height)
    const rgb = hexes.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)))
    const counts = rgb.map(() => 0)
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3] < 200) continue
      rgb.forEach(([r, g, b], k) => {
        if (Math.abs(data[p] - r) + Math.abs(data[p + 1] - g) + Math.abs(data[p + 2] - b) < 24) counts[k]++
      })
    }
    return counts
  }, colours)
}

/**
 * @param {import('playwright-core').Page} page the demo page, loaded
 * @param {{ log: (line: string) => void, artifacts: string }} options
 */
export async function comparePanel(page, { log, artifacts }) {
  const message = page.locator('#compare-message')
  const expectMessage = async (/** @type {RegExp} */ pattern, /** @type {string} */ what) => {
    await message.filter({ hasText: pattern }).waitFor({ timeout: 10_000 }).catch(async () => {
      throw new Error(`${what}: expected #compare-message to match ${pattern}, but it says ${JSON.stringify(await message.textContent())}`)
    })
    const text = (await message.textContent()) ?? ''
    log(`compare, ${what}: "${text.split('\n')[0]}"`)
    return text
  }
  await page.locator('#compare-run:enabled').waitFor({ timeout: 20_000 })
  const defaults = {
    task: await page.inputValue('#compare-task'),
    cells: await page.inputValue('#compare-cells'),
    seeds: await page.inputValue('#compare-seeds'),
    length: await page.inputValue('#compare-length'),
    hidden: await page.inputValue('#compare-hidden'),
    steps: await page.inputValue('#compare-steps'),
  }
  assert.deepEqual(defaults, { task: 'adding', cells: 'rnn,lstm,gru', seeds: '2', length: '20', hidden: '16', steps: '500' })
  assert.match((await page.textContent('#compare-help')) ?? '', /lstm\[:forget-bias=B\]/, 'the variant syntax is shown, from the library')

  // --- bad variant lists: the parser's message, the field marked, nothing run
  await page.fill('#compare-cells', 'rnn,lstn')
  await page.click('#compare-run')
  await expectMessage(/--cells: 'lstn' in 'lstn' is not a cell; expected rnn, irnn, lstm or gru/, 'unknown cell')
  assert.equal(await message.getAttribute('class'), 'message error')
  assert.equal(await page.getAttribute('#compare-cells', 'aria-invalid'), 'true')
  await page.fill('#compare-cells', 'lstm,lstm:forget-bias=two') // checked as it is typed, too
  await expectMessage(/forget-bias must be a number between -100 and 100/, 'bad option value, while typing')
  await page.fill('#compare-cells', 'gru,gru')
  await page.click('#compare-run')
  await expectMessage(/names one cell twice/, 'a cell twice')
  assert.equal(await page.textContent('#compare-status'), '', 'nothing ran')

  // --- a bad number: the field's range
  await page.fill('#compare-cells', 'rnn,lstm:forget-bias=2,gru')
  await page.locator('#compare-cells-info .cell-chip').nth(2).waitFor({ timeout: 5_000 })
  assert.deepEqual(await page.locator('#compare-cells-info .cell-chip').allTextContents(), ['RNN (tanh)', 'LSTM, forget bias 2', 'GRU'])
  assert.equal(await message.textContent(), '', 'a good list clears the parser\'s message')
  await page.fill('#compare-seeds', '0')
  await page.fill('#compare-steps', '2.5')
  await page.click('#compare-run')
  const numbers = await expectMessage(/Seeds must be from 1 to 10, got 0/, 'numbers out of range')
  assert.match(numbers, /Steps must be a whole number, got 2.5/)
  assert.equal(await page.getAttribute('#compare-seeds', 'aria-invalid'), 'true')

  // --- the default comparison
  await page.fill('#compare-cells', defaults.cells)
  await page.fill('#compare-seeds', defaults.seeds)
  await page.fill('#compare-steps', defaults.steps)
  await page.locator('#compare-cells-info .cell-chip').nth(2).waitFor({ timeout: 5_000 })
  const colours = await page.locator('#compare-cells-info .cell-chip').evaluateAll((chips) => chips.map((c) => /** @type {HTMLElement} */ (c).style.getPropertyValue('--chip')))
  assert.deepEqual(colours, ['#0072B2', '#D55E00', '#009E73'], "the report's palette, one colour per cell in --cells order")
  const began = Date.now()
  await page.click('#compare-run')

  // live: the first cell's loss is on the chart, in its colour, while the run goes on; the page answers a click
  await page.waitForFunction(() => Number(document.getElementById('compare-chart')?.dataset.points) >= 50, null, { timeout: 20_000 })
  const live = await colourPixels(page, colours)
  const status = (await page.textContent('#compare-status')) ?? ''
  const runningStill = await page.isEnabled('#compare-stop')
  log(`compare, live: "${status}"; pixels per cell colour ${live.join(', ')}`)
  assert.ok(live[0] > 50, `the first cell's loss should be drawn in ${colours[0]} while it trains: ${live[0]} pixels`)
  assert.match(status, /Run \d+ of 6: .* step [\d,]+ \/ 500/)
  const clicks = (await page.textContent('#ping-count')) ?? ''
  const clickStart = Date.now()
  await page.click('#ping')
  await page.locator('#ping-count').filter({ hasNotText: clicks }).waitFor({ timeout: 2_000 })
  log(`compare, a click answered in ${Date.now() - clickStart} ms during the comparison (still running: ${runningStill})`)

  // the finished table: one row per variant, each with its verdict as k of 2
  await message.filter({ hasText: /Done|could not run/ }).waitFor({ timeout: 60_000 })
  const done = (await message.textContent()) ?? ''
  const wall = (Date.now() - began) / 1000
  assert.match(done, /Done: 6 runs in [\d.]+ s/, `the comparison should finish: ${done}`)
  log(`compare, default run (adding, length 20, hidden 16, 2 seeds, 500 steps): "${done}", ${wall.toFixed(1)} s from the click`)
  const header = await page.locator('#compare-table thead th').allTextContents()
  assert.deepEqual([header[0], header.at(-2), header.at(-1)], ['cell', 'range', 'verdict'])
  assert.ok(header.includes('test MSE, median'), `the metric column: ${header.join(' | ')}`)
  const rows = await page.locator('#compare-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')))
  for (const row of rows) log(`  ${row.join(' | ')}`)
  assert.deepEqual(rows.map((r) => r[0]), ['RNN (tanh)', 'LSTM', 'GRU'])
  for (const row of rows) assert.match(row.at(-1) ?? '', /^(solved in 2 of 2|unreliable: 1 of 2|not solved: 0 of 2)( \(\d diverged\))?$/, `a verdict as k of N: ${row.join(' | ')}`)
  assert.match((await page.textContent('#compare-table caption')) ?? '', /2 seeds|seeds 0–1/)
  assert.match((await page.textContent('#compare-table caption')) ?? '', /500 steps of Adam \(lr [\d., ]+, × 0\.1 from step 401\)/)
  const final = await colourPixels(page, colours)
  log(`compare, loss chart at the end: ${await page.getAttribute('#compare-chart', 'data-points')} points; pixels per cell colour ${final.join(', ')}`)
  for (let k = 0; k < colours.length; k++) assert.ok(final[k] > 100, `cell ${k}'s loss should be drawn in ${colours[k]}: ${final[k]} pixels`)
  assert.equal(await page.getAttribute('#compare-chart', 'data-points'), String(3 * 2 * 500), 'every step of every run is on the chart')

  // the report's charts and the claims
  const norms = await page.locator('#compare-norms svg').evaluate((svg) => ({ text: svg.textContent ?? '', lines: svg.querySelectorAll('polyline').length, box: svg.getBoundingClientRect().width }))
  assert.match(norms.text, /‖∂L\/∂h_t‖ over time steps/)
  for (const label of ['RNN (tanh), trained', 'LSTM, untrained', 'GRU, trained']) assert.ok(norms.text.includes(label), `the gradient-norm chart names ${label}`)
  assert.ok(norms.lines >= 6 && norms.box > 300, `the gradient-norm chart has a line per cell before and after training, and a size: ${JSON.stringify({ lines: norms.lines, box: norms.box })}`)
  assert.match((await page.locator('#compare-metric svg').textContent()) ?? '', /test MSE/)
  const claims = await page.locator('#compare-claims li').allTextContents()
  assert.equal(claims.length, 5, `five claims: ${claims.join(' / ')}`)
  assert.match(claims[0], /^supported The GRU has fewer parameters than the LSTM/)

  await mkdir(artifacts, { recursive: true })
  await page.mouse.move(0, 0)
  await page.locator('#compare').screenshot({ path: join(artifacts, 'compare.png') })
  log('screenshot: test/artifacts/compare.png')

  // --- Stop ends a long comparison, and the panel is ready for the next
  await page.fill('#compare-steps', '20000')
  await page.click('#compare-run')
  await page.locator('#compare-status').filter({ hasText: /step/ }).waitFor({ timeout: 20_000 })
  await page.click('#compare-stop')
  await expectMessage(/Stopped after 0 of 6 runs/, 'stop')
  assert.ok(await page.isEnabled('#compare-run'), 'Compare should be enabled again after Stop')
  assert.ok(await page.isHidden('#compare-results'), 'no table for a stopped comparison')
  await page.fill('#compare-steps', defaults.steps)
  return { seconds: wall, done, verdicts: rows.map((r) => `${r[0]}: ${r.at(-1)}`) }
}
