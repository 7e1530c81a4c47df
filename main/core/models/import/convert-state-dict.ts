/**
 * A PyTorch/safetensors state dict → the runner's ONNX graph: canonicalise (unwrap, strip prefixes),
 * detect the architecture by its key signature, read its hyper-parameters from names and shapes, build.
 */
import { OnnxGraph } from '../graph/onnx-graph.js';
import { ARCHITECTURES } from './architectures/registry.js';
import { Weights } from './architectures/weights.js';
import { canonicalCandidates } from './canonicalize.js';
import { ModelImportError, type ConvertedImport, type SourceFormat, type StateDict } from './state-dict.js';

export function convertStateDict(sd: StateDict, sourceFormat: SourceFormat): ConvertedImport {
  for (const candidate of canonicalCandidates(sd)) {
    for (const arch of ARCHITECTURES) {
      if (!arch.detect(candidate)) continue;
      const w = new Weights(candidate);
      const loaded = arch.load(w);
      const g = new OnnxGraph();
      loaded.build(g);
      const d = loaded.descriptor;
      const onnx = g.encode({ name: d.architecture.replace(/\W+/g, '_').toLowerCase(), docString: `${d.architecture} x${d.scale} imported from a ${sourceFormat} state dict`, inChannels: d.inChannels, outChannels: d.outChannels });
      return { descriptor: { ...d, params: w.params(), sourceFormat }, onnx };
    }
  }
  const keys = [...sd.keys()];
  throw new ModelImportError(
    'ERROR_MODEL_UNKNOWN_ARCH',
    `unknown architecture: the weights match none of ${ARCHITECTURES.map((a) => a.name).join(', ')} (${keys.length} tensors, first ${keys.slice(0, 3).join(', ')})`,
  );
}
