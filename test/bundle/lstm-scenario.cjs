// One small LSTM training step through the core (tensor, autograd, cell, layer, loss, clipping, Adam,
// safetensors, gradcheck), written once in plain JS and run by browser-bundle.test.ts: against the source
// tree inside jest, and against both built browser bundles (full and core) in a separate node process.
module.exports = function lstmScenario(s) {
  s.manualSeed(3)
  const lstm = new s.LSTM({ inputSize: 3, hiddenSize: 4 })
  const x = s.randn([6, 2, 3])
  const target = s.randn([1, 2, 4])
  const optimizer = new s.Adam(lstm.parameters(), { lr: 0.05 })
  const loss = s.mseLoss(lstm.forward(x).h, target)
  loss.backward()
  const gradNorm = s.clipGradNorm(lstm.parameters(), 0.5)
  const gradWhh = lstm.namedParameters().weight_hh_l0.grad.toArray()
  optimizer.step()
  // the stepped weights, saved and loaded into a fresh layer, give the loss after the step
  const reloaded = new s.LSTM({ inputSize: 3, hiddenSize: 4 })
  reloaded.loadStateDict(s.loadSafetensors(s.saveSafetensors(lstm.stateDict())).tensors)
  const lossAfterStep = s.mseLoss(reloaded.forward(x).h, target).item()
  const gradcheckPasses = s.gradcheck((a) => a.tanh().mul(a), [s.randn([3], { dtype: 'float64', requiresGrad: true })])
  return { loss: loss.item(), gradNorm, gradWhh, lossAfterStep, gradcheckPasses }
}
