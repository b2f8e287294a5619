// The usual advice on choosing a cell, checked against this run's own numbers: each claim is supported,
// not supported, depends (on what, said), or cannot be tested by this run (why, said), with the figures.
// Where a kind has several variants in the run, a claim about the kind takes its best variant (most seeds
// solved, then the better median metric), except the long-range claim, which looks at every variant.
import type { CellKind } from '../models/recurrent.js'
import { isDefaultVariant } from './cell-spec.js'
import { formatBytes } from './format.js'
import type { CellSummary, ComparisonResult } from './summary.js'

export type ClaimVerdict = 'supported' | 'not supported' | 'depends' | 'cannot test'

export interface ClaimAssessment {
  id: 'gru-fewer-parameters' | 'gru-trains-faster' | 'lstm-more-memory' | 'gated-long-range' | 'lstm-complex-gru-simple'
  claim: string
  verdict: ClaimVerdict
  /** The figures behind the verdict, in a sentence or two. */
  evidence: string
}

const fmt = (n: number) => n.toLocaleString('en-US')
const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`
const kOfN = (c: CellSummary) => `${c.label} ${c.solved} of ${c.seeds.length}`
/** Solved in most seeds. */
const handles = (c: CellSummary) => c.solved > c.seeds.length / 2

/** The best variant of `kind` in the run, or undefined. */
export function representative(result: ComparisonResult, kind: CellKind): CellSummary | undefined {
  const sign = result.lowerIsBetter ? 1 : -1
  const score = (c: CellSummary) => (c.metric === null ? Infinity : sign * c.metric.median)
  return result.cells.filter((c) => c.kind === kind).reduce<CellSummary | undefined>((best, c) => (best === undefined || c.solved > best.solved || (c.solved === best.solved && score(c) < score(best)) ? c : best), undefined)
}

export function assessClaims(result: ComparisonResult): ClaimAssessment[] {
  const [rnn, lstm, gru] = (['rnn', 'lstm', 'gru'] as const).map((k) => representative(result, k))
  const both = lstm !== undefined && gru !== undefined
  const needBoth = 'needs an LSTM and a GRU in --cells'
  return [
    { id: 'gru-fewer-parameters', claim: 'The GRU has fewer parameters than the LSTM.', ...(both ? fewerParameters(result, lstm, gru) : cannot(needBoth)) },
    { id: 'gru-trains-faster', claim: 'The GRU trains faster than the LSTM.', ...(both ? trainsFaster(result, lstm, gru) : cannot(needBoth)) },
    { id: 'lstm-more-memory', claim: 'The LSTM needs more memory.', ...(lstm !== undefined && (gru ?? rnn) !== undefined ? moreMemory(lstm, [gru, rnn].filter((c): c is CellSummary => c !== undefined)) : cannot('needs an LSTM and a GRU or RNN in --cells')) },
    { id: 'gated-long-range', claim: 'The LSTM and the GRU handle long-range dependencies that the plain RNN cannot.', ...longRange(result) },
    { id: 'lstm-complex-gru-simple', claim: 'The LSTM does better on complex sequences, the GRU on short or simple ones.', ...complexVersusSimple(result, lstm, gru) },
  ]
}

const cannot = (why: string) => ({ verdict: 'cannot test' as const, evidence: `This run cannot test it: it ${why}.` })

function fewerParameters(result: ComparisonResult, lstm: CellSummary, gru: CellSummary): Omit<ClaimAssessment, 'id' | 'claim'> {
  const H = result.settings.hidden
  const equal = `at hidden size ${H} the GRU has ${fmt(gru.parametersAtBaseHidden)} parameters against the LSTM's ${fmt(lstm.parametersAtBaseHidden)} (${pct(gru.parametersAtBaseHidden, lstm.parametersAtBaseHidden)})`
  if (gru.hiddenSize === lstm.hiddenSize) {
    const fewer = gru.parameters < lstm.parameters
    return { verdict: fewer ? 'supported' : 'not supported', evidence: `At hidden size ${gru.hiddenSize} the GRU has ${fmt(gru.parameters)} parameters against the LSTM's ${fmt(lstm.parameters)} (${pct(gru.parameters, lstm.parameters)}).` }
  }
  const why = result.settings.match === 'params' ? 'this run matched parameter counts (--match params)' : 'this run gave them different hidden sizes'
  return { verdict: 'depends', evidence: `On what is held equal: ${equal}; ${why}, so the GRU (hidden ${gru.hiddenSize}) has ${fmt(gru.parameters)} against the LSTM's ${fmt(lstm.parameters)} (hidden ${lstm.hiddenSize}).` }
}

function trainsFaster(result: ComparisonResult, lstm: CellSummary, gru: CellSummary): Omit<ClaimAssessment, 'id' | 'claim'> {
  const speed = gru.tokensPerSecond / lstm.tokensPerSecond
  const perStep = speed > 1.05 ? 1 : speed < 1 / 1.05 ? -1 : 0
  const stepText = `${gru.label} ${fmt(Math.round(gru.tokensPerSecond))} tokens/s against ${lstm.label} ${fmt(Math.round(lstm.tokensPerSecond))} (${speed.toFixed(2)}×, this machine's wall time)`
  const secondsTo = (c: CellSummary, step: number) => ((step / result.settings.steps) * c.trainSeconds).toFixed(1)
  let toSolve = 0
  let solveText = 'neither solved the task in most seeds, so their steps to solve cannot be compared'
  if (handles(gru) && handles(lstm) && gru.solvedAt !== null && lstm.solvedAt !== null) {
    toSolve = Math.sign(lstm.solvedAt - gru.solvedAt)
    solveText = `the GRU reached the threshold after a median ${fmt(gru.solvedAt)} steps (${secondsTo(gru, gru.solvedAt)} s), the LSTM after ${fmt(lstm.solvedAt)} (${secondsTo(lstm, lstm.solvedAt)} s)`
  } else if (handles(gru) !== handles(lstm)) {
    toSolve = handles(gru) ? 1 : -1
    const [did, not] = handles(gru) ? [gru, lstm] : [lstm, gru]
    solveText = `only the ${did.kind.toUpperCase()} solved it in most seeds (${kOfN(did)}, against ${kOfN(not)})`
  }
  const evidence = `Per step: ${stepText}. To solve: ${solveText}.`
  if (perStep >= 0 && toSolve >= 0 && perStep + toSolve > 0) return { verdict: 'supported', evidence }
  if (perStep <= 0 && toSolve <= 0) return { verdict: 'not supported', evidence }
  return { verdict: 'depends', evidence: `On what "faster" means: ${perStep > 0 ? 'faster per step but slower to solve' : 'slower per step but faster to solve'}. ${evidence}` }
}

function moreMemory(lstm: CellSummary, others: CellSummary[]): Omit<ClaimAssessment, 'id' | 'claim'> {
  const more = others.filter((o) => lstm.memoryBytes > o.memoryBytes)
  const figures = [lstm, ...others].map((c) => `${c.label} ${formatBytes(c.memoryBytes)} (hidden ${c.hiddenSize})`).join(', ')
  const evidence = `Bytes a training step holds (parameters, gradients, Adam's state, activations): ${figures}.`
  if (more.length === others.length) return { verdict: 'supported', evidence }
  if (more.length === 0) return { verdict: 'not supported', evidence }
  return { verdict: 'depends', evidence: `On the cell it is set against: more than ${more.map((c) => c.label).join(', ')}, not more than the others. ${evidence}` }
}

function longRange(result: ComparisonResult): Omit<ClaimAssessment, 'id' | 'claim'> {
  if (result.longRange === null) return cannot(`ran the ${result.task} task, which holds no long-range dependency by construction (try --task copy, adding or reber)`)
  const gated = result.cells.filter((c) => c.kind !== 'rnn')
  const rnns = result.cells.filter((c) => c.kind === 'rnn')
  if (gated.length === 0 || rnns.length === 0) return cannot('needs a plain RNN and an LSTM or GRU in --cells')
  const plain = rnns.filter(isDefaultVariant)
  const figures = `On ${result.title.toLowerCase()} at length ${result.settings.length} (${result.longRange}), seeds solved: ${result.cells.map(kOfN).join(', ')}.`
  if (!gated.some(handles)) return { verdict: 'not supported', evidence: `No LSTM or GRU solved it in most seeds in ${fmt(result.settings.steps)} steps. ${figures}` }
  if (plain.some(handles)) return { verdict: 'not supported', evidence: `The plain RNN solved it too: at this length the dependency is within its reach. ${figures}` }
  if (gated.every(handles) && !rnns.some(handles)) return { verdict: 'supported', evidence: figures }
  const mixed = gated.filter((c) => !handles(c))
  const helped = rnns.filter(handles)
  const parts = [...(mixed.length > 0 ? [`not every gated variant solved it (${mixed.map(kOfN).join(', ')})`] : []), ...(helped.length > 0 ? [`an RNN variant solved it (${helped.map(kOfN).join(', ')})`] : [])]
  return { verdict: 'depends', evidence: `On the variant and its initialisation: ${parts.join('; ')}. ${figures}` }
}

function complexVersusSimple(result: ComparisonResult, lstm: CellSummary | undefined, gru: CellSummary | undefined): Omit<ClaimAssessment, 'id' | 'claim'> {
  const base = 'This run cannot test it: the claim compares tasks of different complexity, and one run trains on one task at one length; run compare on a simple and a complex task (or at several --length) and compare the two verdicts.'
  if (lstm === undefined || gru === undefined || lstm.metric === null || gru.metric === null) return { verdict: 'cannot test', evidence: base }
  const lstmBetter = lstm.solved !== gru.solved ? lstm.solved > gru.solved : result.lowerIsBetter ? lstm.metric.median < gru.metric.median : lstm.metric.median > gru.metric.median
  const same = lstm.solved === gru.solved && lstm.metric.median === gru.metric.median
  const here = same ? 'the two did equally well' : `the ${lstmBetter ? 'LSTM' : 'GRU'} did better`
  return { verdict: 'cannot test', evidence: `${base} On this one (${result.title.toLowerCase()}, length ${result.settings.length}) ${here}: ${kOfN(lstm)} (median ${result.metricName} ${lstm.metric.median.toPrecision(3)}), ${kOfN(gru)} (${gru.metric.median.toPrecision(3)}).` }
}

/** The section of the report: one paragraph per claim. */
export function claimsSection(result: ComparisonResult): string[] {
  return assessClaims(result).flatMap((c) => [`- **${c.claim}** ${capitalize(c.verdict)}. ${c.evidence}`])
}

/** A few lines for the console: each claim and its verdict. */
export function claimsSummary(result: ComparisonResult): string {
  return assessClaims(result)
    .map((c) => `  ${c.verdict.padEnd(13)} ${c.claim}`)
    .join('\n')
}

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1)
