import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAdapterList } from '../../../src/backends/webgpu/device.js';
import { splitDispatches, splitRows, workgroupGrid } from '../../../src/backends/webgpu/program.js';
import { argMaxProgram } from '../../../src/backends/webgpu/wgsl/arg-max.js';
import { pointBytes } from '../../../src/backends/webgpu/wgsl/common.js';
import { minDistanceProgram } from '../../../src/backends/webgpu/wgsl/min-distance.js';
import { poolDistanceProgram } from '../../../src/backends/webgpu/wgsl/pool-distance.js';

const limits = (binding: number, buffer = binding, grid = 65_535) => ({ maxStorageBufferBindingSize: binding, maxBufferSize: buffer, maxComputeWorkgroupsPerDimension: grid });

/** `@binding(i)` declarations in order. */
function declaredBindings(code: string): number[] {
  return [...code.matchAll(/@binding\((\d+)\)/g)].map((match) => Number(match[1]));
}

describe('dispatch grids', () => {
  it('cover every workgroup with no dimension over the limit and less than one row of waste', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 70_000 }), (count, max) => {
      fc.pre(Math.ceil(count / max) <= max);
      const [x, y, z] = workgroupGrid(count, max);
      expect(z).toBe(1);
      expect(x).toBeLessThanOrEqual(max);
      expect(y).toBeLessThanOrEqual(max);
      expect(x * y).toBeGreaterThanOrEqual(count);
      if (count > 0) expect(x * (y - 1)).toBeLessThan(count);
    }));
  });

  it('refuse a count that no grid of the limit holds', () => {
    expect(() => workgroupGrid(10, 3)).toThrow(/split the dispatch/);
    expect(workgroupGrid(9, 3)).toEqual([3, 3, 1]);
  });
});

describe('splitting work', () => {
  it('splits rows into contiguous ranges that fit one binding and one buffer, in whole multiples', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1024, max: 100_000 }), fc.integer({ min: 1024, max: 100_000 }), (n, rowBytes, multiple, binding, buffer) => {
      fc.pre(Math.floor(Math.min(binding, buffer) / rowBytes) >= multiple);
      const ranges = splitRows(n, rowBytes, limits(binding, buffer), multiple);
      let next = 0;
      for (const [i, range] of ranges.entries()) {
        expect(range.start).toBe(next);
        expect(range.rows * rowBytes).toBeLessThanOrEqual(Math.min(binding, buffer));
        if (i < ranges.length - 1) expect(range.rows % multiple).toBe(0);
        next += range.rows;
      }
      expect(next).toBe(n);
    }));
  });

  it('a 1,000,000 x 768 float32 matrix takes three 1 GiB bindings, a float16 one two', () => {
    const gib = limits(2 ** 30);
    expect(splitRows(1_000_000, pointBytes(768, 'f32'), gib)).toHaveLength(3);
    expect(splitRows(1_000_000, pointBytes(768, 'f16'), gib)).toHaveLength(2);
  });

  it('refuses a row wider than a binding', () => {
    expect(() => splitRows(10, 4096, limits(1024))).toThrow(/does not fit/);
  });

  it('splits dispatches into whole workgroups of at most the work budget', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 256 }), fc.integer({ min: 500, max: 50_000 }), (items, perWorkgroup, max) => {
      const ranges = splitDispatches(items, perWorkgroup, max);
      let next = 0;
      for (const range of ranges) {
        expect(range.start).toBe(next);
        expect(range.start % perWorkgroup).toBe(0);
        expect(range.rows).toBeLessThanOrEqual(Math.max(perWorkgroup, max));
        next += range.rows;
      }
      expect(next).toBe(items);
    }));
  });
});

describe('min-distance (catch-up) program', () => {
  it('dispatches one workgroup per tile of rows, in a 2-D grid past the per-dimension limit', () => {
    const program = minDistanceProgram({ d: 67 });
    expect(program.workgroupSize).toEqual([8, 8, 1]);
    expect(program.rowsPerWorkgroup).toBe(32);
    expect(program.centersPerTile).toBe(32);
    expect(program.dispatch(1000, 65_535)).toEqual([32, 1, 1]);
    expect(program.dispatch(1000, 7)).toEqual([7, 5, 1]);
    expect(program.dispatch(0, 7)).toEqual([0, 1, 1]);
    expect(program.workgroupBytes).toBeLessThanOrEqual(16_384);
  });

  it('declares the bindings it lists, the tile sizes and d it was built for', () => {
    const program = minDistanceProgram({ d: 67, format: 'f16', threadRows: 4, threadCenters: 16, rowsPerThread: 2, centersPerThread: 2 });
    expect(declaredBindings(program.code)).toEqual(program.bindings.map((_, i) => i));
    expect(program.code).toContain('@workgroup_size(16, 4, 1)');
    expect(program.code).toContain('const D: u32 = 67u;');
    expect(program.code).toContain('unpack2x16float');
    expect(program.code).not.toContain('enable f16');
    expect(program.rowsPerWorkgroup).toBe(8);
    expect(program.centersPerTile).toBe(32);
  });

  it('is a pure function: equal parameters give equal code and key; any change gives another key', () => {
    const base = minDistanceProgram({ d: 384 });
    expect(minDistanceProgram({ d: 384 })).toMatchObject({ code: base.code, cacheKey: base.cacheKey });
    const others = [minDistanceProgram({ d: 385 }), minDistanceProgram({ d: 384, format: 'f16' }), minDistanceProgram({ d: 384, rowsPerThread: 2 }), minDistanceProgram({ d: 384, threadCenters: 4 })];
    expect(new Set([base, ...others].map((program) => program.cacheKey)).size).toBe(5);
  });

  it('rejects tiles it cannot reduce and bad sizes', () => {
    expect(() => minDistanceProgram({ d: 0 })).toThrow(/d must be a positive integer/);
    expect(() => minDistanceProgram({ d: 8, rowsPerThread: 16, threadCenters: 8 })).toThrow(/rowsPerThread/);
  });
});

describe('pool-distance and arg-max programs', () => {
  it('pool distances: one thread per row, 2-D grid past the limit', () => {
    const program = poolDistanceProgram({ d: 33, rowsPerWorkgroup: 64 });
    expect(program.workgroupSize).toEqual([64, 1, 1]);
    expect(program.dispatch(130, 65_535)).toEqual([3, 1, 1]);
    expect(program.dispatch(64 * 10, 4)).toEqual([4, 3, 1]);
    expect(declaredBindings(program.code)).toEqual(program.bindings.map((_, i) => i));
    expect(program.cacheKey).not.toBe(poolDistanceProgram({ d: 33, format: 'f16' }).cacheKey);
  });

  it('arg-max: items per workgroup, indexed passes differ, threads must be a power of two', () => {
    const first = argMaxProgram();
    const later = argMaxProgram({ indexed: true });
    expect(first.itemsPerWorkgroup).toBe(1024);
    expect(first.dispatch(5000, 65_535)).toEqual([5, 1, 1]);
    expect(first.cacheKey).not.toBe(later.cacheKey);
    expect(later.code).toContain('indices[at]');
    expect(declaredBindings(first.code)).toEqual(first.bindings.map((_, i) => i));
    expect(() => argMaxProgram({ threads: 100 })).toThrow(/power of two/);
  });
});

describe('adapter listing', () => {
  it('parses Dawn\'s list of available adapters', () => {
    const message = "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'SwiftShader Device (Subzero)'\n * backend: 'vulkan', name: 'NVIDIA H100 80GB HBM3'\n * backend: 'null', name: 'Null backend'\n";
    expect(parseAdapterList(message)).toEqual([
      { backend: 'vulkan', name: 'SwiftShader Device (Subzero)' },
      { backend: 'vulkan', name: 'NVIDIA H100 80GB HBM3' },
      { backend: 'null', name: 'Null backend' },
    ]);
    expect(parseAdapterList('requestAdapter() found no adapter')).toEqual([]);
  });
});
