// The recurrent cells' elementwise steps as WebAssembly: each kernel is the formula of the JavaScript step it
// stands for (cells/fused/lstm.ts, gru.ts, rnn.ts), compiled by wasm-formula.ts to run in float64 as those
// loops do, so both give the same bits. cells/fused/resident.ts calls them on the state it keeps in the
// kernels' memory, between the recurrent products; σ and tanh are the module's own range kernels
// (wasm-math.ts), called between them as the JavaScript steps call them.
import { buildFormula, type FormulaFn } from './wasm-formula.js'
import type { FunctionBuilder } from './wasm-emit.js'

export const CELL_KERNELS = [
  'preActivation', 'lstmCell', 'lstmHidden', 'lstmBackward', 'gruNew', 'gruHidden', 'gruBackward', 'rnnBackward',
  'reluActivation', 'reluBackward', 'linearBackward',
] as const
export type CellKernels = Record<(typeof CELL_KERNELS)[number], FormulaFn>

/** The kernels by name, as they are exported (in CELL_KERNELS order). */
export const buildCellKernels = (): Record<(typeof CELL_KERNELS)[number], FunctionBuilder> => ({
  // a gate block's pre-activation: W_ih x + (b_ih + b_hh) + W_hh h
  preActivation: buildFormula('o x b:64 p', 'o = x + b + p'),
  // LSTM: the activations into the gate rows, c' = f ⊙ c + i ⊙ g (in place), and c' again for tanh
  lstmCell: buildFormula('i f g o gi gf gg go c cc', 'gi = i; gf = f; gg = g; go = o; c = f*c + i*g; cc = c'),
  // LSTM: h' = o ⊙ tanh(c')
  lstmHidden: buildFormula('h o t', 'h = o*t'),
  // LSTM backward: dh = dOut + dhNext, dc' = dc + dh ⊙ o ⊙ (1 − tanh² c'), da per gate, dc of the state read
  lstmBackward: buildFormula('i f g o t cp d n dc ai af ag ao',
    'dh = d + n; dcn = dc + dh*o*(1 - t*t); ai = dcn*g*i*(1 - i); af = dcn*cp*f*(1 - f); ag = dcn*i*(1 - g*g); ao = dh*t*o*(1 - o); dc = dcn*f'),
  // GRU: W_hn h + b_hn (kept for backward), and n's pre-activation W_in x + b_in + r ⊙ (W_hn h + b_hn)
  gruNew: buildFormula('pn bn:64 hn x b:64 r o', 'v = pn + bn; hn = v; o = x + b + r*v'),
  // GRU: the activations into the gate rows, h' = (1 − z) ⊙ n + z ⊙ h (in place)
  gruHidden: buildFormula('r z n gr gz gn h', 'gr = r; gz = z; gn = n; h = (1 - z)*n + z*h'),
  // GRU backward: da for the input side (x…) and the recurrent side (r…: its n block da_n ⊙ r), dh through z ⊙ h
  gruBackward: buildFormula('r z n hp hn d nx dz xr xz xn rr rz rn',
    'dh = d + nx + dz; an = dh*(1 - z)*(1 - n*n); az = dh*(hp - n)*z*(1 - z); ar = an*hn*r*(1 - r); xr = ar; xz = az; xn = an; rr = ar; rz = az; rn = an*r; dz = dh*z'),
  // tanh RNN backward: da = (dOut + dhNext) ⊙ (1 − h'²)
  rnnBackward: buildFormula('a d n y', 'a = (d + n)*(1 - y*y)'),
  // relu RNN: h' = relu(W_ih x + b_ih + b_hh + W_hh h); da = dh where h' > 0, else 0 (at the kink too, as PyTorch)
  reluActivation: buildFormula('o x b:64 p', 'o = relu(x + b + p)'),
  reluBackward: buildFormula('a d n y', 'a = positive(y, d + n)'),
  // linear RNN (Keras's activation 'linear'): h' = W_ih x + b_ih + b_hh + W_hh h, whose slope is 1
  linearBackward: buildFormula('a d n', 'a = d + n'),
})
