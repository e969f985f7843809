/** Doctor facts with nothing probed: tests add the section they check. */
import type { DoctorFacts } from '../../src/doctor/facts.js';

export const NOTHING_PROBED: DoctorFacts = {
  platform: 'linux', arch: 'x64', node: 'v20.0.0',
  webgpu: { loaded: false, error: 'not probed' },
  onnx: { loaded: false, error: 'not probed' },
  vulkan: null, nvidiaDriver: null, hubCache: null, endpoints: null,
};
