import { runGradcheckSuite } from '../../src/compare/gradcheck-suite.js'
test('scratch', () => {
  for (const fast of [true, false]) {
    const began = Date.now()
    const r = runGradcheckSuite({ fast })
    const lines = r.results.map((x) => `${x.group.padEnd(6)} ${x.outcome.passed ? 'ok  ' : 'FAIL'} ${x.ms.toFixed(0).padStart(5)}ms n=${x.outcome.checked} abs=${x.outcome.worstAbsError.toExponential(1)} rel=${x.outcome.worstRelError.toExponential(1)} ${x.name} ${x.outcome.message ?? ''}`)
    console.log(`fast=${fast} ${Date.now() - began}ms failed=${r.failed}/${r.cases}\n` + lines.join('\n'))
  }
}, 600000)
