/**
 * Int8 quantization of a MatMul weight matrix, the way onnxruntime's `quantize_dynamic` stores it:
 * symmetric (the zero point is the middle of the range, so 0.0 stays exact and no zero-point
 * correction term is needed), one scale for the whole tensor or one per output column. Pure.
 */

/** How the integers are stored, which follows the CPU's int8 kernels (see {@link quantTargetOf}). */
export interface WeightFormat {
  /** `int8`: zero point 0 (VNNI, ARM); `uint8`: zero point 128 (AVX2, whose u8 x u8 kernel does not saturate). */
  type: 'int8' | 'uint8';
  /** Largest integer magnitude: 127, or 63 where the CPU's u8 x s8 kernel sums pairs in int16 and would saturate. */
  maxLevel: number;
  /** One scale per output column (true) or one for the tensor. */
  perChannel: boolean;
}

/** A quantized [K, N] matrix: `w[k][n] ~= (q[k][n] - zeroPoint[n]) * scale[n]`. */
export interface QuantizedWeights {
  /** Row-major [K, N]; an Int8Array or a Uint8Array as the format says. */
  values: Int8Array | Uint8Array;
  /** [N] per channel, else [1]. */
  scales: Float32Array;
  /** The zero point (0 or 128), the same for every column. */
  zeroPoint: number;
}

/** Per-column (or whole-tensor) largest |w| of a row-major [rows, columns] matrix. */
function absMaxima(weights: Float32Array, rows: number, columns: number, perChannel: boolean): Float32Array {
  const maxima = new Float32Array(perChannel ? columns : 1);
  for (let row = 0; row < rows; row++) {
    const offset = row * columns;
    for (let column = 0; column < columns; column++) {
      const magnitude = Math.abs(weights[offset + column]!);
      const slot = perChannel ? column : 0;
      if (magnitude > maxima[slot]!) maxima[slot] = magnitude;
    }
  }
  return maxima;
}

/**
 * Quantizes a row-major [rows, columns] float matrix (a MatMul's B: rows = K inputs, columns = N outputs).
 * An all-zero column gets scale 1 (any scale represents it exactly) so no division by zero happens at run time.
 */
export function quantizeWeights(weights: Float32Array, rows: number, columns: number, format: WeightFormat): QuantizedWeights {
  const maxima = absMaxima(weights, rows, columns, format.perChannel);
  const scales = Float32Array.from(maxima, (max) => (max === 0 ? 1 : max / format.maxLevel));
  const zeroPoint = format.type === 'uint8' ? 128 : 0;
  const values = format.type === 'uint8' ? new Uint8Array(rows * columns) : new Int8Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    const offset = row * columns;
    for (let column = 0; column < columns; column++) {
      const scale = scales[format.perChannel ? column : 0]!;
      const level = Math.max(-format.maxLevel, Math.min(format.maxLevel, Math.round(weights[offset + column]! / scale)));
      values[offset + column] = level + zeroPoint;
    }
  }
  return { values, scales, zeroPoint };
}
