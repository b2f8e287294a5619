// A small comparison through seqgrad/compare, the way the demo page's worker runs one: parse the cells, plan,
// run each unit a step at a time (startUnit), summarize, and write up the table and the charts. Written once
// in plain JS and run by browser-bundle.test.ts against the source tree inside jest and against the built
// dist/browser/seqgrad-compare.min.js in a separate node process. The wall times are left out: they are the
// only numbers that differ between two runs.
module.exports = function compareScenario(c) {
  const task = c.taskByName('copy')
  const cells = c.parseCellSpecs('irnn,lstm:forget-bias=2,gru:reset-after=false')
  const plan = c.planComparison({ task, cells, settings: { length: 2, hidden: 5, batchSize: 3, seed: 4 }, steps: 6, seeds: 2, evaluations: 2 })
  const units = c.planUnits(plan)
  const results = units.map((unit) => {
    const runner = c.startUnit(unit, { task })
    while (runner.step());
    return runner.result()
  })
  const result = c.summarize(plan, task, units, results)
  const table = c.resultsTableData(result)
  const timed = ['train time', 'tokens/s'].map((name) => table.header.indexOf(name))
  const charts = c.comparisonCharts(result)
  return {
    labels: plan.cells.map((cell) => cell.label),
    trainLoss: results.map((r) => r.trainLoss),
    metricCurves: results.map((r) => r.metricCurve),
    gradientNorms: results.map((r) => r.gradientNorms),
    header: table.header,
    rows: table.rows.map((row) => row.filter((_, i) => !timed.includes(i))),
    verdicts: result.cells.map((cell) => cell.verdict),
    charts: [charts['loss.svg'], charts['metric.svg'], charts['gradient-norms.svg']],
  }
}
