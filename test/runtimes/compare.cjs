// Holds one runtime's conformance result (conformance.mjs) to Node's, for test/runtimes/runtimes.test.ts
// and the browser test (test/browser/run.mjs). Where both ran seqgrad's exact SIMD kernels (compiled by
// seqgrad where the runtime has no relaxed SIMD, or handed over precompiled: the same bytes), every number
// must be Node's bit for bit. Where one ran the kernels with relaxed SIMD's multiply-add (fused or not, as
// the engine and the hardware choose) or the scalar JavaScript fallback (float32 products accumulated in
// double, Math's σ and tanh), each number must agree to float32 rounding, within TOLERANCE of its scale,
// and the generated tokens exactly. Returns the differences found, as lines; none means the runtime conforms.

/** 16 float32 ulps (2^-24 each, relative): float32 rounding of a few operations, far below any real error. */
const TOLERANCE = 2 ** -20

/**
 * The kernel path each runtime should take: the fastest it allows. Kernels seqgrad compiles use relaxed
 * SIMD's multiply-add exactly where the runtime validates it; the precompiled file is the exact kernels.
 */
const EXPECTED_KERNELS = {
  node: 'emitted',
  deno: 'emitted',
  bun: 'emitted',
  chromium: 'emitted',
  // workerd refuses to compile WebAssembly at run time, so the kernels come as a module of dist/seqgrad-kernels.wasm
  workerd: 'precompiled',
}

/** What every result must say of itself, whatever runtime gave it. */
function selfChecks(result) {
  const problems = []
  const name = result.runtime
  if (result.simd !== (result.kernels !== 'none')) problems.push(`${name}: kernels ${result.kernels} but hasSimd() is ${result.simd}`)
  if (typeof result.fma !== 'boolean' || (result.fma && !result.simd)) problems.push(`${name}: hasFma() is ${result.fma} with hasSimd() ${result.simd}`)
  const { safetensors } = result
  if (!safetensors.sameTensors) problems.push(`${name}: the tensors loaded back from safetensors differ from those saved`)
  if (!safetensors.sameGeneration) problems.push(`${name}: a model loaded from the safetensors file generates other tokens`)
  if (safetensors.metadata !== 'conformance') problems.push(`${name}: the safetensors metadata came back as ${JSON.stringify(safetensors.metadata)}`)
  if (!(result.losses.length === 6 && result.losses.every(Number.isFinite) && result.losses[5] < result.losses[0])) {
    problems.push(`${name}: expected 6 finite losses, falling: ${result.losses}`)
  }
  if (result.generated.length !== 24) problems.push(`${name}: expected 24 generated tokens, got ${result.generated.length}`)
  if ('kernelFile' in result && result.kernelFile !== result.emittedKernels) {
    problems.push(`${name}: dist/seqgrad-kernels.wasm (fnv1a32 ${result.kernelFile}) is not the module seqgrad emits (${result.emittedKernels})`)
  }
  return problems
}

/** The kernel path `result` should have taken in its runtime (the runtime's name is the first word of result.runtime). */
function kernelPathProblems(result) {
  const runtime = result.runtime.split(' ')[0]
  const expected = EXPECTED_KERNELS[runtime]
  if (expected === undefined) return [`${result.runtime}: no expected kernel path for runtime ${runtime}`]
  const problems = result.kernels === expected && result.simd ? [] : [`${result.runtime}: expected the SIMD kernels, ${expected}; got ${result.kernels} (hasSimd() ${result.simd})`]
  const fma = result.kernels === 'emitted' && result.relaxedSimd
  if (result.fma !== fma) problems.push(`${result.runtime}: relaxed SIMD ${result.relaxedSimd ? 'validates' : 'does not validate'} and the kernels are ${result.kernels}, so hasFma() should be ${fma}; it is ${result.fma}`)
  return problems
}

/** Every difference between `result` and Node's `node`, as lines (see the file's comment for the rules). */
function compareWithNode(node, result) {
  const problems = [...selfChecks(node), ...selfChecks(result)]
  const exact = node.simd && result.simd && !node.fma && !result.fma
  const name = `${result.runtime} (${result.kernels}${result.fma ? ', FMA' : ''})`
  const near = (what, a, b, scale) => {
    if (exact ? !Object.is(a, b) : !(Math.abs(a - b) <= TOLERANCE * Math.max(scale, Number.MIN_VALUE))) {
      problems.push(`${name}: ${what} is ${b}, Node gives ${a}${exact ? ' (expected bit for bit)' : ` (tolerance ${TOLERANCE} × ${scale})`}`)
    }
  }
  const each = (what, as, bs, scaleOf) => {
    if (as.length !== bs.length) problems.push(`${name}: ${as.length} ${what} in Node, ${bs.length} here`)
    else as.forEach((a, i) => near(`${what}[${i}]`, a, bs[i], scaleOf(a, i)))
  }
  each('losses', node.losses, result.losses, (a) => Math.abs(a))
  each('gradNorms', node.gradNorms, result.gradNorms, (a) => Math.abs(a))
  const names = Object.keys(node.weights)
  if (names.join() !== Object.keys(result.weights).join()) problems.push(`${name}: weights ${Object.keys(result.weights)}, Node has ${names}`)
  for (const weight of names.filter((w) => w in result.weights)) {
    const [a, b] = [node.weights[weight], result.weights[weight]]
    near(`${weight} sum`, a.sum, b.sum, a.sumAbs)
    near(`${weight} sum of |w|`, a.sumAbs, b.sumAbs, a.sumAbs)
    each(`${weight} first values`, a.first, b.first, (v) => Math.abs(v))
  }
  if (node.generated.join() !== result.generated.join()) problems.push(`${name}: generated ${JSON.stringify(result.text)}, Node ${JSON.stringify(node.text)}`)
  if (node.safetensors.bytes !== result.safetensors.bytes) problems.push(`${name}: a safetensors file of ${result.safetensors.bytes} bytes, Node's has ${node.safetensors.bytes}`)
  if (exact && node.safetensors.fnv1a32 !== result.safetensors.fnv1a32) {
    problems.push(`${name}: the safetensors file differs from Node's (fnv1a32 ${result.safetensors.fnv1a32}, Node ${node.safetensors.fnv1a32})`)
  }
  return problems
}

module.exports = { compareWithNode, kernelPathProblems, EXPECTED_KERNELS, TOLERANCE }
