import { type Channel, type IpcResult, type Responses, schemas } from '../../preload/ipc-contract.js';
import { ZodError } from 'zod';
import { describeError } from '../core/errors.js';
import type { Handlers } from './handlers.js';
import { plainValidationMessage } from './validation-message.js';

const MAX_ERROR = 500;

/** Validates a request against the contract, runs its handler, and never lets an exception cross the bridge. */
export async function dispatch<C extends Channel>(handlers: Handlers, channel: C, payload: unknown): Promise<IpcResult<Responses[C]>> {
  if (!Object.hasOwn(schemas, channel)) return { ok: false, error: { code: 'ERROR_UNKNOWN_CHANNEL', message: 'unknown channel' } };
  const parsed = schemas[channel].safeParse(payload ?? {}, { reportInput: true });
  if (!parsed.success) return { ok: false, error: { code: 'ERROR_VALIDATION', message: plainValidationMessage(parsed.error).slice(0, MAX_ERROR) } };
  try {
    const handler = handlers[channel] as (req: unknown) => Promise<Responses[C]>;
    return { ok: true, data: await handler(parsed.data) };
  } catch (err) {
    // a schema checked deeper down (a file's contents, say) is answered in the same plain words
    if (err instanceof ZodError) return { ok: false, error: { code: 'ERROR_VALIDATION', message: plainValidationMessage(err).slice(0, MAX_ERROR) } };
    const { code, message } = describeError(err);
    return { ok: false, error: { code, message: message.slice(0, MAX_ERROR) } };
  }
}
