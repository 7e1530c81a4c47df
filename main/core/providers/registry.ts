import { BenchError } from '../errors.js';
import type { ProviderSpec } from '../pipeline/settings.js';
import { bicubic, lanczos } from './interpolation.js';
import { RecompressOnlyProvider } from './recompress-only.js';
import { SageMakerJumpStartProvider } from './sagemaker-jumpstart.js';
import type { UpscaleProvider } from './upscale-provider.js';
import { type AwsAccess, credentialsFor } from '../aws/credentials.js';
import type { InferenceSlots } from '../inference/inference-slots.js';
import type { RequestSlots } from './sagemaker/request-slots.js';

export const PROVIDER_NAMES = ['local-ai', 'sagemaker', 'bicubic', 'lanczos'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderContext {
  /** The run's downscale factor (providers with several scales pick theirs from it). */
  factor: number;
  /** Never persisted with the run's settings. */
  access?: AwsAccess;
  /** The cores the run's local models share (one set per run); without it a local model gets its own. */
  inference?: InferenceSlots;
  /** The SageMaker requests in flight the run's SageMaker providers share. */
  requests?: RequestSlots;
}

export async function createProvider(spec: ProviderSpec, ctx: ProviderContext): Promise<UpscaleProvider> {
  switch (spec.name) {
    case 'bicubic':
      return bicubic();
    case 'lanczos':
      return lanczos();
    case 'none':
      return new RecompressOnlyProvider();
    case 'sagemaker': {
      const { name: _name, endpoint, ...rest } = spec;
      return new SageMakerJumpStartProvider({ ...rest, endpointName: endpoint, credentials: credentialsFor(ctx.access), slots: ctx.requests });
    }
    case 'local-ai': {
      const { createLocalAiProvider } = await import('./local-ai.js');
      return createLocalAiProvider(spec, ctx);
    }
    default:
      throw new BenchError('ERROR_BAD_SETTINGS', `unknown provider '${(spec as { name: string }).name}'`);
  }
}
