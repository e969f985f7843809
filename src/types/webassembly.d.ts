// The slice of the WebAssembly JS API tidepool uses. Node has it globally, but @types/node 20 does not
// declare it and lib.dom would pull in browser globals that do not exist in Node.
declare namespace WebAssembly {
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  type ExportValue = Memory | ((...args: number[]) => unknown);
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- mirrors the real API's constructor-only class
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, ExportValue>;
  }
}
