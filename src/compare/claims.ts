// The usual advice on choosing a cell, checked against this run's own numbers: each claim is supported,
// not supported, depends (on what, said), or cannot be tested by this run (why, said), with the figures.
// The structural claims (parameters, memory, speed) set the kinds on equal footing: each kind's default
// variant (else its first) among those at the run's hidden size, never one whose hidden size --cells set
// apart; with --match params the sizes differ by design, and the evidence says so. The complex-versus-simple
// claim takes each kind's best variant (most seeds solved, then the better median metric), at the run's
// hidden size when the kind has one there; the long-range
// claim looks at every variant. Two figures within 5% of each other, or a median inside the other cell's
// range over seeds, are no clear difference.
import type { CellKind } from '../models/recurrent.js'
import { isDefaultVariant } from './cell-spec.js'
import { counted, formatBytes, plural } from './format.js'
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

/**
 * The variant of `kind` a structural claim speaks for: among the variants at the run's hidden size (none set
 * by --cells), the default one, else the first; undefined when there is none.
 */
export function structuralRepresentative(result: ComparisonResult, kind: CellKind): CellSummary | undefined {
  const fair = result.cells.filter((c) => c.kind === kind && c.options.hidden === undefined)
  return fair.find(isDefaultVariant) ?? fair[0]
}

/** Relative band inside which two figures (speeds, times, medians) are no clear difference. */
export const TOLERANCE = 0.05

/** 1 when a is clearly above b (by more than TOLERANCE), -1 when clearly below, 0 inside the band. */
const compareWithin = (a: number, b: number) => (a > b * (1 + TOLERANCE) ? 1 : a < b / (1 + TOLERANCE) ? -1 : 0)

export function assessClaims(result: ComparisonResult): ClaimAssessment[] {
  const [rnn, lstm, gru] = (['rnn', 'lstm', 'gru'] as const).map((k) => structuralRepresentative(result, k))
  const present = (k: CellKind) => result.cells.some((c) => c.kind === k)
  const needBoth = (kinds: CellKind[], text: string) => {
    const apart = kinds.filter((k) => present(k) && structuralRepresentative(result, k) === undefined)
    if (apart.length > 0) return cannot(`has no ${apart.map((k) => k.toUpperCase()).join(' or ')} at the run's hidden size (every one in --cells sets its own hidden size, so the cells would not be on equal footing)`)
    return cannot(text)
  }
  const both = lstm !== undefined && gru !== undefined
  // the best variant at the run's hidden size, if the kind has one there
  const [bestLstm, bestGru] = (['lstm', 'gru'] as const).map((k) => representative({ ...result, cells: result.cells.filter((c) => c.kind !== k || c.options.hidden === undefined || structuralRepresentative(result, k) === undefined) }, k))
  return [
    { id: 'gru-fewer-parameters', claim: 'The GRU has fewer parameters than the LSTM.', ...(both ? fewerParameters(result, lstm, gru) : needBoth(['lstm', 'gru'], 'needs an LSTM and a GRU in --cells')) },
    { id: 'gru-trains-faster', claim: 'The GRU trains faster than the LSTM.', ...(both ? matched(result, [lstm, gru], trainsFaster(result, lstm, gru)) : needBoth(['lstm', 'gru'], 'needs an LSTM and a GRU in --cells')) },
    { id: 'lstm-more-memory', claim: 'The LSTM needs more memory.', ...(lstm !== undefined && (gru ?? rnn) !== undefined ? matched(result, [lstm, gru, rnn], moreMemory(lstm, [gru, rnn].filter((c): c is CellSummary => c !== undefined))) : needBoth(['lstm', 'gru', 'rnn'], 'needs an LSTM and a GRU or RNN in --cells')) },
    { id: 'gated-long-range', claim: 'The LSTM and the GRU handle long-range dependencies that the plain RNN cannot.', ...longRange(result) },
    { id: 'lstm-complex-gru-simple', claim: 'The LSTM does better on complex sequences, the GRU on short or simple ones.', ...complexVersusSimple(result, bestLstm, bestGru) },
  ]
}

/** With --match params, says that the figures compare equal parameter budgets at different hidden sizes. */
function matched(result: ComparisonResult, cells: (CellSummary | undefined)[], claim: Omit<ClaimAssessment, 'id' | 'claim'>): Omit<ClaimAssessment, 'id' | 'claim'> {
  if (result.settings.match !== 'params') return claim
  const sizes = cells.filter((c): c is CellSummary => c !== undefined).map((c) => `${c.label} hidden ${c.hiddenSize}, ${fmt(c.parameters)} parameters`)
  return { ...claim, evidence: `At matched parameter budgets (--match params: ${sizes.join('; ')}), not at one hidden size. ${claim.evidence}` }
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
  const perStep = compareWithin(gru.tokensPerSecond, lstm.tokensPerSecond)
  const stepText = `${gru.label} ${fmt(Math.round(gru.tokensPerSecond))} tokens/s against ${lstm.label} ${fmt(Math.round(lstm.tokensPerSecond))} (${speed.toFixed(2)}×, this machine's wall time)`
  const secondsTo = (c: CellSummary, step: number) => (step / result.settings.steps) * c.trainSeconds
  let toSolve = 0
  let solveText = 'neither solved the task in most seeds, so their steps to solve cannot be compared'
  if (handles(gru) && handles(lstm) && gru.solvedAt !== null && lstm.solvedAt !== null) {
    // to solve is in seconds: steps to the threshold times each cell's own time per step
    toSolve = compareWithin(secondsTo(lstm, lstm.solvedAt), secondsTo(gru, gru.solvedAt))
    solveText = `the GRU reached the threshold after a median ${fmt(gru.solvedAt)} ${plural(gru.solvedAt, 'step')} (${secondsTo(gru, gru.solvedAt).toFixed(1)} s), the LSTM after ${fmt(lstm.solvedAt)} (${secondsTo(lstm, lstm.solvedAt).toFixed(1)} s)${toSolve === 0 ? ', no clear difference' : ''}`
  } else if (handles(gru) !== handles(lstm)) {
    toSolve = handles(gru) ? 1 : -1
    const [did, not] = handles(gru) ? [gru, lstm] : [lstm, gru]
    solveText = `only the ${did.kind.toUpperCase()} solved it in most seeds (${kOfN(did)}, against ${kOfN(not)})`
  }
  const evidence = `Per step: ${stepText}${perStep === 0 ? `, no clear difference (within ${Math.round(TOLERANCE * 100)}%)` : ''}. To solve: ${solveText}.`
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
  const figures = `On ${inSentence(result.title)} at length ${result.settings.length} (${result.longRange}), seeds solved: ${result.cells.map(kOfN).join(', ')}.`
  const inSteps = `in ${counted(result.settings.steps, 'step')}`
  if (plain.some(handles)) return { verdict: 'not supported', evidence: `The plain RNN solved it too: at this length the dependency is within its reach. ${figures}` }
  if (gated.every(handles) && !rnns.some(handles)) return { verdict: 'supported', evidence: figures }
  const share = (c: CellSummary) => c.solved / c.seeds.length
  const bestGated = Math.max(...gated.map(share))
  const bestRnn = Math.max(...rnns.map(share))
  if (!gated.some(handles)) {
    if (bestGated === 0 && bestRnn === 0) return { verdict: 'cannot test', evidence: `This run cannot test it: no cell solved it in any seed ${inSteps}, so the run tells nothing of which cell can; give more --steps. ${figures}` }
    if (bestGated > bestRnn) return { verdict: 'depends', evidence: `On the seed, weakly: a gated cell solved it in some seeds, no RNN in as many, but none in most seeds ${inSteps}; more --steps or --seeds would settle it. ${figures}` }
    return { verdict: 'not supported', evidence: `No LSTM or GRU solved it in most seeds ${inSteps}, nor in more seeds than an RNN. ${figures}` }
  }
  // some gated variant handles it and no plain RNN does: which ones did, and which did not
  const did = gated.filter(handles)
  const missed = gated.filter((c) => !handles(c))
  const helped = rnns.filter(handles)
  const parts = [`${did.map(kOfN).join(', ')} solved it in most seeds`, ...(missed.length > 0 ? [`${missed.map(kOfN).join(', ')} did not ${inSteps}`] : []), ...(helped.length > 0 ? [`an RNN variant solved it too (${helped.map(kOfN).join(', ')})`] : [])]
  return { verdict: 'depends', evidence: `On the variant: ${parts.join('; ')}. ${figures}` }
}

function complexVersusSimple(result: ComparisonResult, lstm: CellSummary | undefined, gru: CellSummary | undefined): Omit<ClaimAssessment, 'id' | 'claim'> {
  const base = 'This run cannot test it: the claim compares tasks of different complexity, and one run trains on one task at one length; run compare on a simple and a complex task (or at several --length) and compare the two verdicts.'
  if (lstm === undefined || gru === undefined || lstm.metric === null || gru.metric === null) return { verdict: 'cannot test', evidence: base }
  const [l, g] = [lstm.metric, gru.metric]
  // a median inside the other's range over seeds, or within the band, is no clear difference
  const overlap = (l.median >= g.min && l.median <= g.max) || (g.median >= l.min && g.median <= l.max)
  const clear = lstm.solved !== gru.solved || (!overlap && compareWithin(Math.abs(l.median), Math.abs(g.median)) !== 0)
  const lstmBetter = lstm.solved !== gru.solved ? lstm.solved > gru.solved : result.lowerIsBetter ? l.median < g.median : l.median > g.median
  const here = clear ? `the ${lstmBetter ? 'LSTM' : 'GRU'} did better` : `there is no clear difference (the medians are within ${Math.round(TOLERANCE * 100)}% or inside each other's range over seeds)`
  return { verdict: 'cannot test', evidence: `${base} On this one (${inSentence(result.title)}, length ${result.settings.length}) ${here}: ${kOfN(lstm)} (median ${result.metricName} ${l.median.toPrecision(3)}), ${kOfN(gru)} (${g.median.toPrecision(3)}).` }
}

/** A title inside a sentence: lowercased, but proper names (Reber) keep their capital. */
export const inSentence = (title: string) => title[0].toLowerCase() + title.slice(1)

/** The section's opening sentence: the claims and the rules that turn figures into verdicts. */
export const CLAIMS_INTRO =
  `Each claim commonly made about choosing between the cells, against the numbers of this run. The verdict is supported, not supported, depends (on what, said) or cannot test (why, said). ` +
  `Parameters, memory and speed compare each kind's default variant at the run's hidden size (never a variant whose hidden size --cells sets apart; with --match params, at matched parameter budgets, as the claim says). ` +
  `A cell handles the task when it solved it in most seeds; two speeds, times or medians within ${Math.round(TOLERANCE * 100)}% of each other, or a median inside the other's range over seeds, are no clear difference.`

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
