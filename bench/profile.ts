// Where a workload's time goes: `npm run bench:profile -- W-LSTM-128 [--steps N]` runs the workload's
// warm-up untimed, then samples the CPU (V8's profiler, through node:inspector) over the timed units and
// buckets self time by what the code is: matmul, the cells' gate arithmetic, the loss, the optimizer,
// garbage collection, and the rest (autograd bookkeeping, layout copies, allocation).
import { Session } from 'node:inspector/promises'
import { parseArgs } from 'node:util'
import { prepareWorkload, WORKLOADS } from '../src/bench/workloads.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const CATEGORIES: [string, RegExp][] = [
  ['matmul', /kernels\/(matmul|simd-gemm|matmul-variants)\.js|fused\/fixed-matvec\.js|ops\/(matmul|linear)\.js/],
  ['cell gates (σ, tanh, c, h)', /kernels\/simd-math\.js|cells\/fused\/(?!fixed-matvec)[\w-]+\.js/],
  ['loss (log-softmax, NLL)', /kernels\/softmax\.js|ops\/softmax\.js|optim\/losses\.js|ops\/indexing\.js/],
  ['optimizer (clip, Adam)', /optim\/(adam|clip|optimizer|sgd|rmsprop)\.js/],
  ['sampling', /models\/sampling\.js|tensor\/random\.js/],
]

/** The category of a sample: by its function's file, and for WebAssembly by the JavaScript that called it. */
function categorize(node: ProfileNode, parentOf: Map<number, ProfileNode>): string {
  if (node.callFrame.functionName === '(garbage collector)') return 'garbage collection'
  let frame: ProfileNode | undefined = node
  // WebAssembly frames, and the engine's wrappers around them, have no script: charge their JavaScript caller
  while (frame !== undefined && (frame.callFrame.url === '' || frame.callFrame.url.startsWith('wasm'))) frame = parentOf.get(frame.id)
  const url = frame?.callFrame.url ?? ''
  for (const [name, pattern] of CATEGORIES) if (pattern.test(url)) return name
  return 'autograd, layout copies, allocation, other'
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { steps: { type: 'string', default: '10' }, warmup: { type: 'string', default: '3' } } })
const name = positionals[0] ?? 'W-LSTM-128'
const workload = WORKLOADS[name]
if (workload === undefined) throw new Error(`profile: unknown workload ${name}; expected one of ${Object.keys(WORKLOADS).join(', ')}`)
const unit = prepareWorkload(workload)
for (let i = 0; i < Number(values.warmup); i++) unit()

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 100 })
await session.post('Profiler.start')
const start = performance.now()
const steps = Number(values.steps)
for (let i = 0; i < steps; i++) unit()
const wall = performance.now() - start
const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile }
session.disconnect()

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parentOf = new Map<number, ProfileNode>()
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n)
const totals = new Map<string, number>()
let all = 0
profile.samples.forEach((id, i) => {
  const node = byId.get(id)
  if (node === undefined || node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') return
  const us = profile.timeDeltas[i] ?? 0
  const category = categorize(node, parentOf)
  totals.set(category, (totals.get(category) ?? 0) + us)
  all += us
})
console.log(`${name}: ${(wall / steps).toFixed(1)} ms per unit over ${steps} units (after ${values.warmup} warm-up); sampled self time:`)
for (const [category, us] of [...totals].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${category.padEnd(44)} ${(us / 1000 / steps).toFixed(1).padStart(8)} ms  ${((100 * us) / all).toFixed(1).padStart(5)} %`)
}
