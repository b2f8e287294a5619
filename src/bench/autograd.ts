// Autograd overhead: a chain of 1,000 small ops (mul, add, tanh in turn) run forward with recording
// and then backward, against the same forward under noGrad, measured in the same process.
import { noGrad, randn, manualSeed, type Tensor } from '../index.js'

const CHAIN = 1000

function chain(x: Tensor): Tensor {
  let y = x
  for (let i = 0; i < CHAIN; i++) {
    const step = i % 3
    y = step === 0 ? y.mul(0.999) : step === 1 ? y.add(0.001) : y.tanh()
  }
  return y.sum()
}

/** Runs `fn` repeatedly for about `seconds` after a warm-up and returns runs per second. */
function rate(fn: () => void, seconds = 1.5): number {
  for (let i = 0; i < 5; i++) fn()
  let runs = 0
  const start = performance.now()
  while (performance.now() - start < seconds * 1000) {
    fn()
    runs++
  }
  return runs / ((performance.now() - start) / 1000)
}

export function runAutogradBench(): void {
  manualSeed(0)
  console.log(`\nAutograd: a ${CHAIN}-op chain (mul, add, tanh) on a [64] float32 tensor`)
  const x = randn([64], { requiresGrad: true })
  const forwardOnly = rate(() => noGrad(() => chain(x)))
  const withBackward = rate(() => {
    x.grad = null
    chain(x).backward()
  })
  const row = (name: string, perSecond: number) =>
    console.log(`  ${name.padEnd(34)} ${(perSecond * CHAIN).toFixed(0).padStart(10)} ops/s   ${(perSecond / forwardOnly).toFixed(2)}× baseline`)
  row('forward, noGrad (baseline)', forwardOnly)
  row('forward recorded + backward', withBackward)
}
