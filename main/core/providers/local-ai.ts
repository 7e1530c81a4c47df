import { BenchError } from '../errors.js';
import type { ProviderSpec } from '../pipeline/settings.js';
import type { ProviderContext } from './registry.js';
import type { UpscaleProvider } from './upscale-provider.js';

export async function createLocalAiProvider(_spec: ProviderSpec, _ctx: ProviderContext): Promise<UpscaleProvider> {
  throw new BenchError('ERROR_BAD_SETTINGS', 'the local-ai provider is not available yet');
}
