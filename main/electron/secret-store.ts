import { safeStorage } from 'electron';
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { AwsKeys } from '../core/aws/credentials.js';
import type { SecretStore } from '../ipc/host.js';

/** Typed AWS keys, encrypted by the OS keychain (safeStorage); the file on disk is ciphertext only. */
export class KeychainSecretStore implements SecretStore {
  constructor(private readonly dir: string) {}

  private get file() {
    return join(this.dir, 'aws-keys.bin');
  }

  available(): boolean {
    // On Linux without a keyring safeStorage falls back to a hard-coded key: that is not protection.
    return safeStorage.isEncryptionAvailable() && !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text');
  }

  async get(): Promise<AwsKeys | null> {
    const blob = await readFile(this.file).catch(() => null);
    if (!blob || !this.available()) return null;
    try {
      return JSON.parse(safeStorage.decryptString(blob)) as AwsKeys;
    } catch {
      return null;
    }
  }

  async set(keys: AwsKeys): Promise<void> {
    const tmp = `${this.file}.partial`;
    await writeFile(tmp, safeStorage.encryptString(JSON.stringify(keys)), { mode: 0o600 });
    await rename(tmp, this.file);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
