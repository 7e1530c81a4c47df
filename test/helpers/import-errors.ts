import { expect } from 'vitest';
import { ModelImportError, type ImportErrorCode } from '../../main/core/models/import/state-dict.js';

/** Asserts `fn` throws a ModelImportError with this code and a one-line message matching `re`, with no stack in it. */
export function expectImportError(fn: () => unknown, code: ImportErrorCode, re: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'it should throw').toBeInstanceOf(ModelImportError);
  const e = caught as ModelImportError;
  expect({ code: e.code, message: e.message }).toMatchObject({ code, message: expect.stringMatching(re) });
  expect(e.message).not.toContain('\n');
  expect(e.message).not.toMatch(/ at .*\.ts:\d+|\bat \S+:\d+/);
}
