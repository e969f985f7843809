// The machine's practical float32 GEMM rate: onnxruntime's CPU MatMul (MLAS, the engine `select` uses)
// on a large product, with 1 thread and with every core. Run in-process; takes a few seconds.
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../dist/backends/onnx/graph.js';

/** Best-of-5 GFLOP/s of a (rows x d) x (d x cols) MatMul at each thread count. */
export async function measureGemmPeak({ rows = 16384, d = 768, cols = 512 } = {}) {
  const model = buildOnnxModel({
    name: 'gemm_peak',
    inputs: [{ name: 'A', type: 'float32', shape: [rows, d] }, { name: 'B', type: 'float32', shape: [d, cols] }],
    outputs: [{ name: 'C', type: 'float32', shape: [rows, cols] }],
    nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }],
  });
  const a = new ort.Tensor('float32', Float32Array.from({ length: rows * d }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5), [rows, d]);
  const b = new ort.Tensor('float32', Float32Array.from({ length: d * cols }, (_, i) => ((i * 40503) % 1000) / 1000 - 0.5), [d, cols]);
  const result = {};
  for (const threads of [...new Set([1, cpus().length])]) {
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1 });
    let best = Infinity;
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      await session.run({ A: a, B: b });
      if (i > 0) best = Math.min(best, (performance.now() - started) / 1000);
    }
    await session.release();
    result[threads] = Number(((2 * rows * d * cols) / best / 1e9).toFixed(1));
  }
  return { shape: `${rows}x${d} @ ${d}x${cols}`, gflopsByThreads: result };
}
