import type { JobEvent } from '../../preload/ipc-contract.js';
import type { AwsKeys } from '../core/aws/credentials.js';

/** Where typed AWS keys live: the OS keychain (Electron safeStorage) in the app, memory elsewhere. */
export interface SecretStore {
  /** False where no OS keychain protects the secret; then keys are refused. */
  available(): boolean;
  get(): Promise<AwsKeys | null>;
  set(keys: AwsKeys): Promise<void>;
  clear(): Promise<void>;
}

export class MemorySecretStore implements SecretStore {
  private keys: AwsKeys | null = null;
  available() {
    return true;
  }
  async get() {
    return this.keys;
  }
  async set(keys: AwsKeys) {
    this.keys = { ...keys };
  }
  async clear() {
    this.keys = null;
  }
}

/** What the handlers need from their surroundings: Electron in the app, typed paths in the web bridge, fixed answers in tests. */
export interface Host {
  /** Per-user app data (settings.json lives here; never secrets). */
  userDataDir: string;
  /** Default parent folder of runs (`<resultsRoot>/<timestamp>/`). */
  defaultResultsRoot: string;
  pickFolder(title: string): Promise<string | null>;
  pickCsv(): Promise<string | null>;
  /** A path to write; when the file exists, the user has confirmed replacing it (or it is refused here). */
  pickSaveCsv(defaultPath: string): Promise<string | null>;
  /** A model file to import (.pth, .pt, .safetensors, .param, .onnx). */
  pickModelFile(): Promise<string | null>;
  openFolder(path: string): Promise<boolean>;
  emit(event: JobEvent): void;
  secrets: SecretStore;
}
